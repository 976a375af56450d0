#include "web/qr_svg.hpp"

#include <qrencode.h>

#include <memory>
#include <stdexcept>

namespace latchkey::web {
namespace {

constexpr int kQuietZone = 4;

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

std::string qr_svg(std::string_view text) {
  const std::string input(text);
  // Level M survives a smudged phone screen; 8-bit mode keeps the URI as written.
  std::unique_ptr<QRcode, QrFree> code(QRcode_encodeString8bit(input.c_str(), 0, QR_ECLEVEL_M));
  if (!code) throw std::runtime_error("the TOTP URI does not fit in a QR code");
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  std::string path;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      if ((code->data[y * width + x] & 1) == 0) continue;  // bit 0: dark module
      path +=
          "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h1v1h-1z";
    }
  }
  const std::string side = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side + " " + side +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code of the TOTP "
         "secret\"><rect width=\"" +
         side + "\" height=\"" + side + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path +
         "\"/></svg>";
}

}  // namespace latchkey::web

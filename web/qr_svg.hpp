// A QR code as an SVG image (libqrencode), for the TOTP enrolment URI: no script, no external
// resource, so the page's strict Content-Security-Policy holds.
#pragma once

#include <string>
#include <string_view>

namespace latchkey::web {

// One <path> of dark modules on a white square with the four-module quiet zone (ISO/IEC
// 18004). Throws std::runtime_error when the text does not fit a QR code.
std::string qr_svg(std::string_view text);

}  // namespace latchkey::web

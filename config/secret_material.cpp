#include <algorithm>
#include <cctype>

#include "config/values.hpp"
#include "text/ascii.hpp"

namespace latchkey::config::detail {
namespace {

constexpr std::size_t kTotpKeyBytes = 32;  // AES-256

std::optional<std::string> decode_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = text::hex_value(hex[i]);
    const int low = text::hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

}  // namespace

std::string_view trim_trailing_space(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::string> decode_totp_key(std::string_view material) {
  const auto trimmed = trim_trailing_space(material);
  if (trimmed.size() == 2 * kTotpKeyBytes) {
    if (auto bytes = decode_hex(trimmed)) return bytes;
  }
  // Raw random bytes may end in a byte that looks like whitespace, so try them untrimmed first.
  if (material.size() == kTotpKeyBytes) return std::string(material);
  if (trimmed.size() == kTotpKeyBytes) return std::string(trimmed);
  return std::nullopt;
}

}  // namespace latchkey::config::detail

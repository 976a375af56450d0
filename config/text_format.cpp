#include <cctype>
#include <cstdio>

#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

// Long enough for any URL a human would write, short enough to keep a message on one line.
constexpr std::size_t kMaxQuoted = 120;

}  // namespace

std::string quote(std::string_view value) {
  std::string out = "\"";
  const bool shorten = value.size() > kMaxQuoted;
  if (shorten) value = value.substr(0, kMaxQuoted);
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shorten) out += "...";
  out += '"';
  return out;
}

}  // namespace latchkey::config::detail

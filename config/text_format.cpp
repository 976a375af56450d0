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

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace latchkey::config::detail

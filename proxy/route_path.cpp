#include "proxy/route_path.hpp"

#include <cctype>

#include "text/ascii.hpp"

namespace latchkey::proxy {

namespace {

// RFC 3986 §2.3: decoding these never changes what a URI means.
bool is_unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

}  // namespace

std::string route_path(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  std::string decoded;
  decoded.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && text::hex_value(path[i + 1]) >= 0 &&
        text::hex_value(path[i + 2]) >= 0) {
      const char c =
          static_cast<char>(text::hex_value(path[i + 1]) * 16 + text::hex_value(path[i + 2]));
      if (is_unreserved(c) || c == '/') {
        decoded += c;
      } else {
        decoded += '%';
        decoded += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 1])));
        decoded += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 2])));
      }
      i += 2;
    } else {
      decoded += path[i];
    }
  }
  std::string out;
  out.reserve(decoded.size());
  bool in_params = false;
  for (const char c : decoded) {
    if (c == '/') {
      in_params = false;
      if (!out.empty() && out.back() == '/') continue;  // "//" reads as "/" to many servers
      out += c;
    } else if (c == ';') {
      in_params = true;  // path parameters are not part of the resource for matching
    } else if (!in_params) {
      out += c;
    }
  }
  return out;
}

}  // namespace latchkey::proxy

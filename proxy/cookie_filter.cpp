#include "proxy/cookie_filter.hpp"

#include <algorithm>

#include "text/ascii.hpp"

namespace latchkey::proxy {
namespace {

// The next character of `name` as the most lenient upstream reads it; advances `at`.
char read_name_char(std::string_view name, std::size_t& at) {
  char c = name[at++];
  if (c == '%' && at + 1 < name.size() && text::hex_value(name[at]) >= 0 &&
      text::hex_value(name[at + 1]) >= 0) {
    c = static_cast<char>(text::hex_value(name[at]) * 16 + text::hex_value(name[at + 1]));
    at += 2;
  }
  return c == '.' || c == ' ' ? '_' : text::ascii_lower(c);
}

std::string_view name_of(std::string_view piece) {
  return text::trim_ows(piece.substr(0, piece.find('=')));
}

bool is_stripped(std::string_view name, std::span<const std::string> stripped) {
  return same_cookie_name(name, kOwnSessionCookie) ||
         same_cookie_name(name, kOwnHostSessionCookie) ||
         std::any_of(stripped.begin(), stripped.end(),
                     [name](const std::string& s) { return same_cookie_name(name, s); });
}

// A pair goes when any ','-separated piece of it is named for stripping: "a=1, sid=x" is one
// pair to an RFC 6265 parser but two cookies to a legacy one.
bool removed(std::string_view pair, std::span<const std::string> stripped) {
  while (true) {
    const auto comma = pair.find(',');
    if (is_stripped(name_of(pair.substr(0, comma)), stripped)) return true;
    if (comma == std::string_view::npos) return false;
    pair.remove_prefix(comma + 1);
  }
}

// Calls `visit` with each ';'-separated pair, trimmed, while it returns true.
template <typename Visit>
void for_each_pair(std::string_view field, Visit&& visit) {
  while (true) {
    const auto semicolon = field.find(';');
    if (!visit(text::trim_ows(field.substr(0, semicolon)))) return;
    if (semicolon == std::string_view::npos) return;
    field.remove_prefix(semicolon + 1);
  }
}

}  // namespace

bool same_cookie_name(std::string_view sent, std::string_view stripped) {
  sent = text::trim_ows(sent);
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < sent.size() && j < stripped.size()) {
    if (read_name_char(sent, i) != read_name_char(stripped, j)) return false;
  }
  return i == sent.size() && j == stripped.size();
}

std::optional<std::string> filter_cookie_field(std::string_view field,
                                               std::span<const std::string> stripped) {
  // First look only: the common field loses nothing and must cost no allocation.
  bool any = false;
  for_each_pair(field, [&](std::string_view pair) {
    any = removed(pair, stripped);
    return !any;
  });
  if (!any) return std::nullopt;

  std::string kept;
  kept.reserve(field.size());
  for_each_pair(field, [&](std::string_view pair) {
    if (pair.empty() || removed(pair, stripped)) return true;
    if (!kept.empty()) kept.append("; ");
    kept.append(pair);
    return true;
  });
  return kept;
}

}  // namespace latchkey::proxy

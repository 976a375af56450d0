#include "web/cookie.hpp"

#include "text/ascii.hpp"

namespace latchkey::web {
namespace {

std::string attributes(std::string_view path, bool secure) {
  std::string text = "; Path=" + std::string(path) + "; HttpOnly; SameSite=Strict";
  if (secure) text += "; Secure";
  return text;
}

// The value of the first cookie called `name` in `header`, which keeps what follows it.
std::optional<std::string_view> next_cookie(std::string_view& header, std::string_view name) {
  while (!header.empty()) {
    const auto end = std::min(header.find(';'), header.size());
    const std::string_view pair = text::trim_ows(header.substr(0, end));
    header.remove_prefix(std::min(end + 1, header.size()));
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (text::trim_ows(pair.substr(0, equals)) != name) continue;
    std::string_view value = text::trim_ows(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> find_cookie(std::string_view header, std::string_view name) {
  const std::optional<std::string_view> value = next_cookie(header, name);
  if (!value || next_cookie(header, name)) return std::nullopt;
  return std::string(*value);
}

bool cookie_repeated(std::string_view header, std::string_view name) {
  return next_cookie(header, name) && next_cookie(header, name);
}

CookieScope session_cookie_scope(bool own_host, std::string_view path_prefix, bool secure) {
  if (own_host && secure) return {kHostSessionCookie, "/", true};
  return {kSessionCookie, std::string(path_prefix), secure};
}

std::string session_cookie(const CookieScope& scope, std::string_view value) {
  return std::string(scope.name) + "=" + std::string(value) + attributes(scope.path, scope.secure);
}

std::string cleared_cookie(const CookieScope& scope) {
  return std::string(scope.name) + "=" + attributes(scope.path, scope.secure) + "; Max-Age=0";
}

}  // namespace latchkey::web

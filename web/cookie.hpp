// The session cookie of the self-service page: reading it from a Cookie header (RFC 6265
// §4.2) and writing Set-Cookie values (§4.1). Pure text functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace latchkey::web {

inline constexpr std::string_view kSessionCookie = "latchkey_session";
// The name on a host of the page's own (RFC 6265bis §4.1.3.2): browsers keep a __Host- cookie
// only when Secure, with Path=/ and no Domain, so no sibling subdomain and no plain-HTTP page
// can plant one (login CSRF), which a cookie scoped to the prefix cannot prevent.
inline constexpr std::string_view kHostSessionCookie = "__Host-latchkey_session";

// Where the session cookie lives.
struct CookieScope {
  std::string_view name;
  std::string path;
  bool secure = false;
};
// `own_host`: self_service.host is set, so Path=/ reaches no upstream's page; `secure`: over TLS
// or with secure_cookie. Both: the __Host- name; else the plain one scoped to the prefix.
CookieScope session_cookie_scope(bool own_host, std::string_view path_prefix, bool secure);

// The value of the cookie called `name` in a Cookie header ("a=1; b=2"); nullopt when there is
// none, or more than one (cookie_repeated). Names match exactly; surrounding spaces and a pair
// of double quotes are dropped.
std::optional<std::string> find_cookie(std::string_view header, std::string_view name);
// Whether `name` comes more than once: a sibling subdomain or a page on the same host can plant
// a copy with a more specific Path, which browsers send first (RFC 6265 §5.4), so no copy can
// be trusted.
bool cookie_repeated(std::string_view header, std::string_view name);

// HttpOnly, SameSite=Strict, in `scope`. A session cookie without Max-Age: the browser forgets
// it when it closes, the server when it expires.
std::string session_cookie(const CookieScope& scope, std::string_view value);
// The same cookie, emptied and expired at once (sign-out, an unknown or expired session).
std::string cleared_cookie(const CookieScope& scope);

}  // namespace latchkey::web

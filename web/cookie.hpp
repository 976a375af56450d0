// The session cookie of the self-service page: reading it from a Cookie header (RFC 6265
// §4.2) and writing Set-Cookie values (§4.1). Pure text functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace latchkey::web {

inline constexpr std::string_view kSessionCookie = "latchkey_session";

// The value of the first cookie called `name` in a Cookie header ("a=1; b=2"), or nullopt.
// Names match exactly; surrounding spaces and a pair of double quotes are dropped.
std::optional<std::string> find_cookie(std::string_view header, std::string_view name);

// HttpOnly, SameSite=Strict, scoped to `path`; Secure when the page came over TLS. A session
// cookie without Max-Age: the browser forgets it when it closes, the server when it expires.
std::string session_cookie(std::string_view name, std::string_view value, std::string_view path,
                           bool secure);
// The same cookie, emptied and expired at once (sign-out, an unknown or expired session).
std::string cleared_cookie(std::string_view name, std::string_view path, bool secure);

}  // namespace latchkey::web

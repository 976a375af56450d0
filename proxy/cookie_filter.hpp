// Which pairs of a Cookie field (RFC 6265 §4.2) go on to the upstream. Pure text, no IO.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace latchkey::proxy {

// The self-service session cookie (web::kSessionCookie, and web::kHostSessionCookie on a host
// of the page's own): latchkey's, never an upstream's, so stripped on every route whatever the
// route lists.
inline constexpr std::string_view kOwnSessionCookie = "latchkey_session";
inline constexpr std::string_view kOwnHostSessionCookie = "__Host-latchkey_session";

// Whether a client's cookie name reaches an upstream as `stripped`. Upstreams differ in how
// they read names, so the widest reading wins: ASCII case ignored (ASP.NET), %XX decoded
// (Rack 2), '.' and ' ' read as '_' (PHP's $_COOKIE), spaces around the name ignored.
bool same_cookie_name(std::string_view sent, std::string_view stripped);

// `field` without the pairs named in `stripped` or latchkey's own. A pair goes when its name
// matches, or the name of any ','-separated piece of it does (RFC 2965 parsers, Tomcat's legacy
// one, split there too). Kept pairs keep their order and bytes, joined with "; ".
// nullopt: nothing removed, use the field as it is (and nothing was allocated);
// "": nothing left, drop the field.
std::optional<std::string> filter_cookie_field(std::string_view field,
                                               std::span<const std::string> stripped);

}  // namespace latchkey::proxy

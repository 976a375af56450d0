#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "config/values.hpp"
#include "text/ascii.hpp"

namespace latchkey::config::detail {
namespace {

constexpr std::string_view kTokenSymbols = "!#$%&'*+-.^_`|~";

// Framing, hop-by-hop (RFC 9110 §7.6.1) and credential headers: an identity value placed
// in one of them would change how the request is framed, routed or authenticated.
constexpr std::array<std::string_view, 16> kReservedHeaders = {
    "authorization",
    "proxy-authorization",
    "proxy-authenticate",
    "www-authenticate",
    "cookie",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "content-encoding",
};

// Set or stripped by the proxy on every forwarded request (proxy/header_rewrite.cpp), so an
// identity placed there would be overwritten or sent twice.
constexpr std::array<std::string_view, 6> kForwardingHeaders = {
    "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "via", "x-real-ip",
};

// IIS and Symfony-style upstreams route on these instead of the request line.
constexpr std::array<std::string_view, 2> kUrlOverrideHeaders = {
    "x-original-url",
    "x-rewrite-url",
};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& names, std::string_view key) {
  return std::ranges::find(names, key) != names.end();
}

}  // namespace

bool is_http_token(std::string_view name) {
  return !name.empty() && std::ranges::all_of(name, [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           kTokenSymbols.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

std::string header_key(std::string_view name) {
  std::string key = text::ascii_lower(name);
  std::ranges::replace(key, '_', '-');
  return key;
}

std::optional<std::string_view> identity_header_conflict(std::string_view name) {
  const std::string key = header_key(name);
  if (listed(kReservedHeaders, key)) {
    return "is reserved for the proxy and cannot carry an identity";
  }
  if (listed(kForwardingHeaders, key)) {
    return "is a forwarding header that latchkey sets or strips itself and cannot carry an "
           "identity";
  }
  if (listed(kUrlOverrideHeaders, key)) {
    return "makes some upstreams route on another URL and cannot carry an identity";
  }
  return std::nullopt;
}

}  // namespace latchkey::config::detail

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "config/values.hpp"

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

}  // namespace

bool is_http_token(std::string_view name) {
  return !name.empty() && std::ranges::all_of(name, [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           kTokenSymbols.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool is_reserved_header(std::string_view name) {
  return std::ranges::any_of(kReservedHeaders,
                             [&](std::string_view reserved) { return iequals(name, reserved); });
}

}  // namespace latchkey::config::detail

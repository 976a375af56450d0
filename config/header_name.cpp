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
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (std::isalnum(c) == 0 &&
        kTokenSymbols.find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_reserved_header(std::string_view name) {
  for (auto reserved : kReservedHeaders) {
    if (iequals(name, reserved)) return true;
  }
  return false;
}

}  // namespace latchkey::config::detail

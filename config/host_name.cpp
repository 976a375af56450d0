#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "config/values.hpp"
#include "text/ascii.hpp"

namespace latchkey::config::detail {
namespace {

constexpr std::size_t kMaxHostName = 253;  // RFC 1035 §2.3.4
constexpr std::size_t kMaxLabel = 63;

bool is_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '_'; });
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

bool is_ipv4_literal(std::string_view text) {
  in_addr address{};
  return inet_pton(AF_INET, std::string(text).c_str(), &address) == 1;
}

std::optional<std::string> canonical_ipv6(std::string_view text) {
  in6_addr address{};
  if (inet_pton(AF_INET6, std::string(text).c_str(), &address) != 1) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &address, buffer, sizeof buffer);
  return std::string(buffer);
}

bool is_host_name_or_ipv4(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostName) return false;
  std::string_view last_label;
  std::size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    const auto label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_label(label)) return false;
    last_label = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // No top-level domain is numeric, so "300.1.1.1" is a mistyped address, not a name.
  if (all_digits(last_label)) return is_ipv4_literal(host);
  return true;
}

std::optional<std::string> normalize_match_host(std::string_view text, std::string_view shown,
                                                std::string& why) {
  if (text.empty()) {
    why = "must not be empty; leave it out to match any host";
    return std::nullopt;
  }
  if (text.find('/') != std::string_view::npos) {
    why = std::string(shown) + " must be a host name without scheme or path";
    return std::nullopt;
  }
  const std::string host = text::ascii_lower(text);
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close != std::string::npos && close + 1 < host.size()) {
      why = std::string(shown) + " must not include a port";
      return std::nullopt;
    }
    const auto ipv6 =
        close == std::string::npos ? std::nullopt : canonical_ipv6(host.substr(1, close - 1));
    if (!ipv6) {
      why = std::string(shown) + " is not a valid IPv6 address";
      return std::nullopt;
    }
    return "[" + *ipv6 + "]";
  }
  if (host.find(':') != std::string::npos) {
    if (auto ipv6 = canonical_ipv6(host)) return "[" + *ipv6 + "]";
    why = std::string(shown) + " must not include a port";
    return std::nullopt;
  }
  if (!is_host_name_or_ipv4(host)) {
    why = std::string(shown) + " is not a valid host name or IP address";
    return std::nullopt;
  }
  return host;
}

}  // namespace latchkey::config::detail

#include <algorithm>
#include <cctype>

#include "config/values.hpp"

namespace latchkey::config::detail {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  const int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text, std::string_view shown,
                                       std::string& why) {
  const std::string example = ", like 0.0.0.0:8443 or [::1]:8443";
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = std::string(shown) + " is not an IP address and port" + example;
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      why = std::string(shown) + " needs a port" + example;
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      why = std::string(shown) + " has an IPv6 address without brackets" + example;
      return std::nullopt;
    }
  }

  Endpoint endpoint;
  if (bracketed) {
    auto ipv6 = canonical_ipv6(host);
    if (!ipv6) {
      why = std::string(shown) + " is not an IP address and port" + example;
      return std::nullopt;
    }
    endpoint.host = *ipv6;
  } else {
    if (!is_ipv4_literal(host)) {
      why = std::string(shown) + " is not an IP address and port" + example;
      return std::nullopt;
    }
    endpoint.host = std::string(host);
  }
  const auto number = parse_port(port);
  if (!number) {
    why = std::string(shown) + " has an invalid port; expected 1..65535";
    return std::nullopt;
  }
  endpoint.port = *number;
  return endpoint;
}

}  // namespace latchkey::config::detail

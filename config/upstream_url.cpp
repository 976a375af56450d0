#include <algorithm>
#include <cctype>

#include "config/values.hpp"
#include "text/ascii.hpp"

namespace latchkey::config::detail {
namespace {

bool is_visible_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

std::optional<Upstream> parse_upstream_url(std::string_view text, std::string_view shown,
                                           std::string& why) {
  const auto separator = text.find("://");
  const std::string scheme = separator == std::string_view::npos
                                 ? std::string()
                                 : text::ascii_lower(text.substr(0, separator));
  if (scheme != "http" && scheme != "https") {
    why = std::string(shown) + " is not an http(s) URL";
    return std::nullopt;
  }
  const auto rest = text.substr(separator + 3);
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  const auto authority = rest.substr(0, authority_end);
  const auto path = rest.substr(authority_end);

  // Never echo the URL here: user information usually holds a password.
  if (authority.find('@') != std::string_view::npos) {
    why = "must not contain user information (user:password@); credentials are not forwarded";
    return std::nullopt;
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    why = std::string(shown) + " must not have a query or fragment";
    return std::nullopt;
  }
  if (!is_visible_ascii(path)) {
    why = std::string(shown) + " has spaces or control characters in its path";
    return std::nullopt;
  }
  if (authority.empty()) {
    why = std::string(shown) + " has no host";
    return std::nullopt;
  }

  Upstream upstream;
  upstream.url = std::string(text);
  upstream.scheme = scheme;
  upstream.port = scheme == "https" ? 443 : 80;
  std::string_view port;
  bool has_port = false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    const auto ipv6 = close == std::string_view::npos
                          ? std::nullopt
                          : canonical_ipv6(authority.substr(1, close - 1));
    const bool tail_ok = ipv6 && (close + 1 == authority.size() || authority[close + 1] == ':');
    if (!tail_ok) {
      why = std::string(shown) + " has an invalid host";
      return std::nullopt;
    }
    upstream.host = *ipv6;
    has_port = close + 1 < authority.size();
    if (has_port) port = authority.substr(close + 2);
  } else {
    const auto colon = authority.find(':');
    const auto host = authority.substr(0, colon);
    if (host.empty()) {
      why = std::string(shown) + " has no host";
      return std::nullopt;
    }
    if (!is_host_name_or_ipv4(host)) {
      why = std::string(shown) + " has an invalid host";
      return std::nullopt;
    }
    upstream.host = text::ascii_lower(host);
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
  }
  if (has_port) {
    const auto number = parse_port(port);
    if (!number) {
      why = std::string(shown) + " has an invalid port; expected 1..65535";
      return std::nullopt;
    }
    upstream.port = *number;
  }

  std::string base_path(path);
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  upstream.base_path = base_path;
  return upstream;
}

}  // namespace latchkey::config::detail

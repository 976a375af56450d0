#include "proxy/request_checks.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "proxy/message_framing.hpp"
#include "proxy/route_path.hpp"
#include "text/ascii.hpp"

namespace latchkey::proxy {
namespace http = boost::beast::http;

std::optional<std::string_view> framing_problem(const RequestHeader& header) {
  return message_framing_problem(header);
}

std::optional<std::string_view> target_problem(const RequestHeader& header) {
  const std::string_view target = header.target();
  if (target == "*" && header.method() == http::verb::options) return std::nullopt;
  if (target.empty() || target.front() != '/') return "target_not_origin_form";
  // A reverse proxy opens no tunnels: an upstream that took a CONNECT to a path and switched
  // to tunnelling would carry the next user's request on its pooled connection into it.
  if (header.method() == http::verb::connect) return "connect_method";
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.find('\\') != std::string_view::npos) return "backslash_in_path";
  const std::string decoded = route_path(target);
  if (decoded.find("%5C") != std::string::npos) return "backslash_in_path";
  std::string_view rest = decoded;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    const auto next = rest.find('/');
    const std::string_view segment = rest.substr(0, next);
    if (segment == "." || segment == "..") return "dot_segment_in_path";
    if (next == std::string_view::npos) break;
    rest = rest.substr(next);
  }
  return std::nullopt;
}

std::optional<std::string_view> host_problem(const RequestHeader& header) {
  const auto hosts = header.count(http::field::host);
  if (hosts > 1) return "duplicate_host";
  if (header.version() >= 11 && hosts == 0) return "missing_host";
  if (hosts == 0) return std::nullopt;
  const std::string_view host = text::trim_ows(header[http::field::host]);
  if (host.empty())
    return header.version() >= 11 ? std::optional<std::string_view>("missing_host") : std::nullopt;
  // RFC 9112 §3.2: uri-host [":" port]; reg-name or IP-literal characters only, so that no
  // "evil/x" or "user@evil" ends up in X-Forwarded-Host.
  const bool valid = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~!$&'()*+,;=%[]:").find(c) != std::string_view::npos;
  });
  if (!valid) return "invalid_host";
  return std::nullopt;
}

std::optional<std::string_view> request_head_problem(const RequestHeader& header) {
  if (auto problem = framing_problem(header)) return problem;
  if (auto problem = host_problem(header)) return problem;
  return target_problem(header);
}

}  // namespace latchkey::proxy

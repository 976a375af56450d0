#include "proxy/router.hpp"

#include "proxy/route_path.hpp"
#include "text/ascii.hpp"

#include <string>

namespace latchkey::proxy {

std::string host_without_port(std::string_view host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    // IPv6 literals keep their brackets, the form config stores them in.
    const auto close = name.find(']');
    name = close == std::string_view::npos ? name : name.substr(0, close + 1);
  } else if (const auto colon = name.rfind(':'); colon != std::string_view::npos &&
                                                 name.find(':') == colon) {
    name = name.substr(0, colon);
  }
  std::string lowered = text::ascii_lower(name);
  if (!lowered.empty() && lowered.back() == '.') lowered.pop_back();  // FQDN form names the same host
  return lowered;
}

bool path_has_prefix(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  if (prefix.empty() || prefix.back() == '/' || path.size() == prefix.size()) return true;
  return path[prefix.size()] == '/';
}

Router::Router(const std::vector<config::Route>& routes) : routes_(routes) {
  for (const config::Route& route : routes_) any_ignore_case_ |= route.path_ignore_case;
}

const config::Route* Router::match(std::string_view host, std::string_view target) const {
  const std::string wanted_host = host_without_port(host);
  const std::string path = route_path(target);
  const std::string lower_path = any_ignore_case_ ? text::ascii_lower(path) : std::string();
  const config::Route* best = nullptr;
  for (const config::Route& route : routes_) {
    if (route.host && *route.host != wanted_host) continue;
    if (!path_has_prefix(route.path_ignore_case ? lower_path : path, route.path_prefix)) continue;
    if (best == nullptr || route.path_prefix.size() > best->path_prefix.size() ||
        (route.path_prefix.size() == best->path_prefix.size() && route.host && !best->host)) {
      best = &route;
    }
  }
  return best;
}

}  // namespace latchkey::proxy

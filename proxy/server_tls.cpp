// The TLS side of Server: certificate reload (SIGHUP, through reload()) and the start-up
// warning for upstreams whose certificates are not checked.
#include <algorithm>

#include "proxy/server.hpp"

namespace latchkey::proxy {

void Server::reload_tls() {
  if (tls_.any()) report_tls_reload(tls_.reload());
}

void Server::reload_tls(const std::vector<config::Listener>& listeners) {
  const bool tls_now = std::any_of(listeners.begin(), listeners.end(),
                                   [](const config::Listener& l) { return l.tls.has_value(); });
  if (tls_now || tls_.any()) report_tls_reload(tls_.reload(listeners));
}

void Server::report_tls_reload(const std::vector<std::string>& problems) {
  if (problems.empty()) {
    gateway_.log.event("info", "tls_reloaded");
    gateway_.metrics.increment("latchkey_tls_reloads_total", "result=\"ok\"");
    return;
  }
  for (const auto& problem : problems) {
    gateway_.log.event("error", "tls_reload_failed",
                       {{"error", problem}, {"kept", "the previous certificates"}});
  }
  gateway_.metrics.increment("latchkey_tls_reloads_total", "result=\"failed\"");
}

void Server::warn_unverified_upstreams() {
  for (const auto& route : live_routing_.current()->config->routes) {
    if (route.upstream.scheme == "https" && route.upstream.tls_insecure_skip_verify) {
      gateway_.log.event("warning", "upstream_tls_verify_disabled",
                         {{"route", route.name},
                          {"upstream", route.upstream.host},
                          {"detail",
                           "tls_insecure_skip_verify: the upstream's certificate and "
                           "name are not checked; anyone on the path can read and "
                           "change this traffic"}});
    }
  }
}

}  // namespace latchkey::proxy

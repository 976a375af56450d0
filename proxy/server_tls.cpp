// The TLS side of Server: certificate reload on SIGHUP and the start-up warning for upstreams
// whose certificates are not checked.
#include "proxy/server.hpp"

namespace latchkey::proxy {

void Server::reload_tls() {
  if (tls_.any()) report_tls_reload(tls_.reload());
}

void Server::reload_tls(const std::vector<config::Listener>& listeners) {
  report_tls_reload(tls_.reload(listeners));
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

void Server::watch_tls_reload(boost::asio::signal_set& signals) {
  signals.async_wait([this, &signals](const boost::system::error_code& ec, int) {
    if (ec) return;
    // Reading files is disk work: never on an IO thread.
    gateway_.verify_pool.post([this] { reload_tls(); });
    watch_tls_reload(signals);
  });
}

void Server::warn_unverified_upstreams() {
  for (const auto& route : routing_->config->routes) {
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

// Everything a connection needs, shared by all connections of one `latchkey serve`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/failure_budget.hpp"
#include "auth/verified_cache.hpp"
#include "config/config.hpp"
#include "proxy/blocking_pool.hpp"
#include "proxy/identity_assertion.hpp"
#include "proxy/inflight_attempts.hpp"
#include "proxy/local_endpoint.hpp"
#include "proxy/log_sink.hpp"
#include "proxy/metrics.hpp"
#include "proxy/router.hpp"
#include "proxy/tls_context.hpp"
#include "proxy/upstream_pool.hpp"

namespace latchkey::proxy {

class ConnectionTracker;
class LiveRouting;

// Routes and limits frozen together; a connection keeps the snapshot it started with.
struct Routing {
  explicit Routing(std::shared_ptr<const config::Config> c)
      : config(std::move(c)),
        router(config->routes),
        identity_header_names(collect_identity_header_names_for(config->routes)),
        upstream_tls(config->routes),
        assertions(config->routes) {}

  std::shared_ptr<const config::Config> config;
  Router router;
  std::vector<std::string> identity_header_names;
  UpstreamTlsContexts upstream_tls;  // https routes: read their CA and client files once
  IdentityAssertions assertions;     // signing keys parsed once, here

 private:
  static std::vector<std::string> collect_identity_header_names_for(
      const std::vector<config::Route>& routes);
};

struct AppPasswordUse {
  std::int64_t app_password_id;
  std::string client_address;
  std::string user_agent;
};

struct TokenUse {
  std::int64_t token_id;
  std::string client_address;
};

struct RefusedLogin {
  std::string username;  // as typed: attacker input, the audit log cleans and bounds it
  std::string client_address;
  std::string reason;
};

struct Gateway {
  std::shared_ptr<const Routing> routing;
  auth::Authenticator& authenticator;
  auth::VerifiedCache& cache;
  auth::FailureBudgets& address_budgets;  // failures per client address (IPv6 per /64)
  auth::FailureBudgets& account_budgets;  // failures per username, case-folded
  InflightAttempts& inflight;             // identical attempts reserve budget once
  BlockingPool& verify_pool;
  UpstreamPool& upstreams;
  LogSink& log;
  Metrics& metrics;
  std::function<void(AppPasswordUse)> record_use;  // cheap and non-blocking
  std::function<void(RefusedLogin)> record_refusal;  // cheap and non-blocking
  // Readiness, answered from memory (probes run on threads of their own): never blocking.
  std::function<bool()> database_ready;
  std::function<bool()> change_listener_connected;
  // Answered by latchkey itself on the proxy listener, ahead of the routes.
  LocalEndpoints local_endpoints;
  std::function<void(TokenUse)> record_token_use;  // cheap and non-blocking
  // Set by the Server: the routing in force (SIGHUP replaces it) and the open connections.
  LiveRouting* live_routing = nullptr;
  ConnectionTracker* connections = nullptr;
};

}  // namespace latchkey::proxy

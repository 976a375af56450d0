// The gauges and scrape-time counters of `latchkey serve`: read from the parts that own them
// (cache, pools, change listener) when /metrics is scraped, never on the request path.
#pragma once

#include <functional>

#include "auth/verified_cache.hpp"
#include "db/connection_pool.hpp"
#include "proxy/metrics.hpp"
#include "proxy/upstream_pool.hpp"

namespace latchkey::app {

struct ServeMetricSources {
  const auth::VerifiedCache& cache;
  const db::ConnectionPool& database;
  const proxy::UpstreamPool& upstreams;
  std::function<int()> verify_pending;
  std::function<bool()> change_listener_connected;
};

void add_serve_metrics(proxy::Metrics& metrics, ServeMetricSources sources);

}  // namespace latchkey::app

#include "proxy/metric_catalog.hpp"

#include <algorithm>
#include <array>

namespace latchkey::proxy {

namespace {

constexpr std::array kCatalog{
    MetricInfo{"latchkey_requests_total", "Requests answered, by route and status."},
    MetricInfo{"latchkey_request_duration_seconds",
               "Time from a complete request head to the end of its answer, by route."},
    MetricInfo{"latchkey_requests_rejected_total",
               "Requests refused for their form (framing, size, syntax, no route), by reason."},
    MetricInfo{"latchkey_auth_allowed_total",
               "Authenticated requests, by credential kind and whether the cache answered."},
    MetricInfo{"latchkey_auth_denied_total", "Refused authentications, by reason."},
    MetricInfo{"latchkey_limit_hits_total", "Requests stopped by a configured limit, by limit."},
    MetricInfo{"latchkey_config_reloads_total", "Config reloads on SIGHUP, by result."},
    MetricInfo{"latchkey_upstream_errors_total",
               "Requests that failed upstream (connect, timeout, write), by route and reason."},
    MetricInfo{"latchkey_upstream_idle_connections",
               "Idle keep-alive connections to upstreams, all upstreams together."},
    MetricInfo{"latchkey_upstream_pool_idle_connections",
               "Idle keep-alive connections pooled per upstream address."},
    MetricInfo{"latchkey_upstream_connections_opened_total",
               "New connections opened to an upstream address."},
    MetricInfo{"latchkey_upstream_connections_reused_total",
               "Requests sent on a pooled keep-alive connection, per upstream address."},
    MetricInfo{"latchkey_upstream_connect_errors_total",
               "Failed connection attempts to an upstream address (refused, unresolved, timeout)."},
    MetricInfo{"latchkey_cache_hits_total", "Verified-credential cache hits."},
    MetricInfo{"latchkey_cache_misses_total", "Verified-credential cache misses."},
    MetricInfo{"latchkey_cache_evictions_total", "Verified-credential cache evictions."},
    MetricInfo{"latchkey_cache_entries", "Entries in the verified-credential cache."},
    MetricInfo{"latchkey_verify_pending", "Verifications queued or running on worker threads."},
    MetricInfo{"latchkey_db_connections", "Open PostgreSQL connections, idle or in use."},
    MetricInfo{"latchkey_db_pool_in_use", "PostgreSQL pool slots on loan to a query."},
    MetricInfo{"latchkey_db_pool_size", "PostgreSQL pool size (database.pool_size)."},
    MetricInfo{"latchkey_change_listener_connected",
               "1 while the LISTEN connection for credential changes is up."},
    MetricInfo{"latchkey_audit_events_pruned_total",
               "Audit events deleted for being older than audit.retention."},
};

}  // namespace

std::span<const MetricInfo> metric_catalog() { return kCatalog; }

std::string_view metric_help(std::string_view name) {
  const auto it = std::find_if(kCatalog.begin(), kCatalog.end(),
                               [&](const MetricInfo& info) { return info.name == name; });
  return it == kCatalog.end() ? std::string_view{} : it->help;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

}  // namespace latchkey::proxy

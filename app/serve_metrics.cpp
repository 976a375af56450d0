#include "app/serve_metrics.hpp"

#include <utility>

namespace latchkey::app {

namespace {

using proxy::MetricKind;
using proxy::SampledFamily;

SampledFamily single(std::string name, MetricKind kind, double value) {
  return SampledFamily{std::move(name), kind, {{"", value}}};
}

std::string upstream_label(const std::string& address) { return "upstream=\"" + address + "\""; }

}  // namespace

void add_serve_metrics(proxy::Metrics& metrics, ServeMetricSources sources) {
  metrics.add_sampler([sources = std::move(sources)] {
    const auto cache = sources.cache.stats();
    std::vector<SampledFamily> families{
        single("latchkey_cache_hits_total", MetricKind::counter, cache.hits),
        single("latchkey_cache_misses_total", MetricKind::counter, cache.misses),
        single("latchkey_cache_evictions_total", MetricKind::counter, cache.evictions),
        single("latchkey_cache_entries", MetricKind::gauge, cache.size),
        single("latchkey_verify_pending", MetricKind::gauge, sources.verify_pending()),
        single("latchkey_db_connections", MetricKind::gauge, sources.database.open_connections()),
        single("latchkey_db_pool_in_use", MetricKind::gauge, sources.database.in_use()),
        single("latchkey_db_pool_size", MetricKind::gauge, sources.database.size()),
        single("latchkey_change_listener_connected", MetricKind::gauge,
               sources.change_listener_connected() ? 1 : 0),
    };
    SampledFamily idle{"latchkey_upstream_pool_idle_connections", MetricKind::gauge, {}};
    SampledFamily opened{"latchkey_upstream_connections_opened_total", MetricKind::counter, {}};
    SampledFamily reused{"latchkey_upstream_connections_reused_total", MetricKind::counter, {}};
    SampledFamily failed{"latchkey_upstream_connect_errors_total", MetricKind::counter, {}};
    double idle_total = 0;
    for (const auto& pool : sources.upstreams.stats()) {
      const std::string labels = upstream_label(pool.address);
      idle.samples.push_back({labels, static_cast<double>(pool.idle)});
      opened.samples.push_back({labels, static_cast<double>(pool.opened)});
      reused.samples.push_back({labels, static_cast<double>(pool.reused)});
      failed.samples.push_back({labels, static_cast<double>(pool.connect_errors)});
      idle_total += static_cast<double>(pool.idle);
    }
    families.push_back(single("latchkey_upstream_idle_connections", MetricKind::gauge, idle_total));
    for (auto* family : {&idle, &opened, &reused, &failed}) families.push_back(std::move(*family));
    return families;
  });
}

}  // namespace latchkey::app

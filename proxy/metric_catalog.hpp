// The metric families latchkey exports, with their help text: one list, so /metrics and the
// README describe the same thing.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace latchkey::proxy {

struct MetricInfo {
  std::string_view name;
  std::string_view help;
};

std::span<const MetricInfo> metric_catalog();
// The help text for `name`, "" when it is not in the catalog.
std::string_view metric_help(std::string_view name);

// Histogram buckets for request latencies, in seconds: from a cached credential on loopback
// (well under a millisecond) to an Argon2id check behind a slow upstream (seconds).
const std::vector<double>& latency_buckets();

}  // namespace latchkey::proxy

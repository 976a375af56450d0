// Prometheus metrics on prometheus-cpp's core library. Labelled series are created on first
// use; the label values come from closed sets (route names, reason names, statuses), never
// from client input, so cardinality stays bounded. A (name, labels) pair is resolved to its
// series once and cached, so the request path costs a shared-lock lookup and an atomic add.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::proxy {

enum class MetricKind { counter, gauge };

// One series read at scrape time; `labels` in the same form increment() takes.
struct Sample {
  std::string labels;
  double value = 0;
};

struct SampledFamily {
  std::string name;
  MetricKind kind = MetricKind::gauge;
  std::vector<Sample> samples;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // name like "latchkey_auth_denied_total", labels like `reason="bad_password"` (raw values:
  // the exposition escapes them). Throws std::invalid_argument on a malformed name or label
  // string, which is a bug at the call site.
  void increment(std::string_view name, std::string_view labels = {}, std::uint64_t by = 1);
  // One observation (seconds, bytes) in the histogram family `name`, with latency buckets.
  void observe(std::string_view name, std::string_view labels, double value);
  std::uint64_t value(std::string_view name, std::string_view labels = {}) const;
  std::string render_prometheus() const;

  // Appends exposition text computed at scrape time.
  void add_collector(std::function<std::string()> collector);
  // Families whose values are read at scrape time (gauges such as the cache size), rendered
  // with the others, with the catalog's help text.
  void add_sampler(std::function<std::vector<SampledFamily>()> sampler);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace latchkey::proxy

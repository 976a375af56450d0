#include "proxy/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "proxy/metric_catalog.hpp"
#include "proxy/metric_labels.hpp"

namespace latchkey::proxy {

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

template <typename Metric>
struct FamilySlot {
  prometheus::Family<Metric>* family = nullptr;
  StringMap<Metric*> series;  // key: the label string as the caller wrote it
};

prometheus::Labels labels_or_throw(std::string_view name, std::string_view text) {
  const auto parsed = parse_metric_labels(text);
  if (!parsed) {
    throw std::invalid_argument("metric " + std::string(name) + ": malformed labels {" +
                                std::string(text) + "}");
  }
  return prometheus::Labels(parsed->begin(), parsed->end());
}

void check_name(std::string_view name) {
  if (!is_metric_name(name)) {
    throw std::invalid_argument("\"" + std::string(name) + "\" is not a metric name");
  }
}

}  // namespace

struct Metrics::State {
  prometheus::Registry registry;
  // Readers (every request) share it; only the first use of a series takes it exclusively.
  mutable std::shared_mutex mutex;
  StringMap<FamilySlot<prometheus::Counter>> counters;
  StringMap<FamilySlot<prometheus::Histogram>> histograms;

  // Label names in the order callers write them: prometheus-cpp keeps labels sorted, and
  // scrapers that grep for `route="x",reason="y"` must keep finding it.
  StringMap<std::vector<std::string>> label_order;

  std::mutex collectors_mutex;
  std::vector<std::function<std::string()>> text_collectors;
  std::vector<std::function<std::vector<SampledFamily>()>> samplers;

  template <typename Metric>
  Metric* find(const StringMap<FamilySlot<Metric>>& families, std::string_view name,
               std::string_view labels) const {
    std::shared_lock lock(mutex);
    const auto family = families.find(name);
    if (family == families.end()) return nullptr;
    const auto series = family->second.series.find(labels);
    return series == family->second.series.end() ? nullptr : series->second;
  }

  // Slow path, once per distinct (name, labels).
  template <typename Metric, typename Builder, typename... Args>
  Metric& create(StringMap<FamilySlot<Metric>>& families, Builder build, std::string_view name,
                 std::string_view labels, Args&&... args) {
    std::unique_lock lock(mutex);
    auto family = families.find(name);
    if (family == families.end()) {
      check_name(name);
      auto& registered = build()
                             .Name(std::string(name))
                             .Help(std::string(metric_help(name)))
                             .Register(registry);
      family = families.emplace(std::string(name), FamilySlot<Metric>{&registered, {}}).first;
    }
    auto& slot = family->second;
    auto series = slot.series.find(labels);
    if (series == slot.series.end()) {
      const auto parsed = parse_metric_labels(labels);
      if (parsed && !label_order.contains(name)) {
        std::vector<std::string> order;
        for (const auto& label : *parsed) order.push_back(label.first);
        label_order.emplace(std::string(name), std::move(order));
      }
      Metric& metric = slot.family->Add(labels_or_throw(name, labels), std::forward<Args>(args)...);
      series = slot.series.emplace(std::string(labels), &metric).first;
    }
    return *series->second;
  }
};

Metrics::Metrics() : state_(std::make_unique<State>()) {}
Metrics::~Metrics() = default;

void Metrics::increment(std::string_view name, std::string_view labels, std::uint64_t by) {
  auto* counter = state_->find(state_->counters, name, labels);
  if (counter == nullptr) {
    counter = &state_->create(state_->counters, prometheus::BuildCounter, name, labels);
  }
  counter->Increment(static_cast<double>(by));
}

void Metrics::observe(std::string_view name, std::string_view labels, double value) {
  auto* histogram = state_->find(state_->histograms, name, labels);
  if (histogram == nullptr) {
    histogram = &state_->create(state_->histograms, prometheus::BuildHistogram, name, labels,
                                latency_buckets());
  }
  histogram->Observe(value);
}

std::uint64_t Metrics::value(std::string_view name, std::string_view labels) const {
  const auto* counter = state_->find(state_->counters, name, labels);
  return counter == nullptr ? 0 : static_cast<std::uint64_t>(counter->Value());
}

void Metrics::add_collector(std::function<std::string()> collector) {
  std::lock_guard lock(state_->collectors_mutex);
  state_->text_collectors.push_back(std::move(collector));
}

void Metrics::add_sampler(std::function<std::vector<SampledFamily>()> sampler) {
  std::lock_guard lock(state_->collectors_mutex);
  state_->samplers.push_back(std::move(sampler));
}

namespace {

prometheus::MetricFamily to_family(const SampledFamily& sampled) {
  check_name(sampled.name);
  prometheus::MetricFamily family;
  family.name = sampled.name;
  family.help = std::string(metric_help(sampled.name));
  family.type = sampled.kind == MetricKind::counter ? prometheus::MetricType::Counter
                                                    : prometheus::MetricType::Gauge;
  for (const Sample& sample : sampled.samples) {
    prometheus::ClientMetric metric;
    for (auto& [name, value] : labels_or_throw(sampled.name, sample.labels)) {
      metric.label.push_back({name, value});
    }
    if (sampled.kind == MetricKind::counter) {
      metric.counter.value = sample.value;
    } else {
      metric.gauge.value = sample.value;
    }
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

std::string Metrics::render_prometheus() const {
  std::vector<std::function<std::string()>> text_collectors;
  std::vector<std::function<std::vector<SampledFamily>()>> samplers;
  {
    std::lock_guard lock(state_->collectors_mutex);
    text_collectors = state_->text_collectors;
    samplers = state_->samplers;
  }
  // Samplers run outside every lock here: one may wait on another lock (the cache's), and
  // increments on the IO threads must not wait behind it.
  std::vector<prometheus::MetricFamily> families = state_->registry.Collect();
  {
    std::shared_lock lock(state_->mutex);
    for (auto& family : families) {
      const auto order = state_->label_order.find(family.name);
      if (order == state_->label_order.end()) continue;
      const auto rank = [&names = order->second](const prometheus::ClientMetric::Label& label) {
        return std::find(names.begin(), names.end(), label.name) - names.begin();
      };
      for (auto& metric : family.metric) {
        std::stable_sort(metric.label.begin(), metric.label.end(),
                         [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
      }
    }
  }
  for (const auto& sampler : samplers) {
    for (const SampledFamily& sampled : sampler()) families.push_back(to_family(sampled));
  }
  std::stable_sort(families.begin(), families.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  std::string text = std::move(out).str();
  for (const auto& collector : text_collectors) text += collector();
  return text;
}

}  // namespace latchkey::proxy

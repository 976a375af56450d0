#include "proxy/metrics.hpp"

namespace latchkey::proxy {

namespace {
std::string series_key(std::string_view name, std::string_view labels) {
  std::string key(name);
  if (!labels.empty()) {
    key += '{';
    key += labels;
    key += '}';
  }
  return key;
}
}  // namespace

void Metrics::increment(std::string_view name, std::string_view labels, std::uint64_t by) {
  const std::string key = series_key(name, labels);
  std::lock_guard lock(mutex_);
  auto it = counters_.find(key);
  if (it == counters_.end()) {
    it = counters_.emplace(key, std::make_unique<std::atomic<std::uint64_t>>(0)).first;
  }
  it->second->fetch_add(by, std::memory_order_relaxed);
}

std::uint64_t Metrics::value(std::string_view name, std::string_view labels) const {
  const std::string key = series_key(name, labels);
  std::lock_guard lock(mutex_);
  const auto it = counters_.find(key);
  return it == counters_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

void Metrics::add_collector(std::function<std::string()> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render_prometheus() const {
  std::string out;
  std::string last_name;
  std::vector<std::function<std::string()>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  // Outside the lock: a collector may wait on another lock (the cache's), and increments
  // on the IO threads must not wait behind it.
  for (const auto& collector : collectors) out += collector();
  std::lock_guard lock(mutex_);
  for (const auto& [key, counter] : counters_) {
    const std::string name = key.substr(0, key.find('{'));
    if (name != last_name) {
      out += "# TYPE " + name + " counter\n";
      last_name = name;
    }
    out += key + " " + std::to_string(counter->load(std::memory_order_relaxed)) + "\n";
  }
  return out;
}

}  // namespace latchkey::proxy

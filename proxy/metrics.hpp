// Counters for the Prometheus text format. Labelled counters are created on first use; the
// label values come from closed sets (route names, reason names, status classes), never from
// client input, so cardinality stays bounded.
#pragma once

#include <atomic>
#include <functional>
#include <vector>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace latchkey::proxy {

class Metrics {
 public:
  // name like "latchkey_auth_denied_total", labels like {reason="bad_password"}
  void increment(std::string_view name, std::string_view labels = {}, std::uint64_t by = 1);
  std::uint64_t value(std::string_view name, std::string_view labels = {}) const;
  std::string render_prometheus() const;

  // Appends exposition text computed at scrape time (gauges such as cache size).
  void add_collector(std::function<std::string()> collector);

 private:
  std::vector<std::function<std::string()>> collectors_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>, std::less<>> counters_;
};

}  // namespace latchkey::proxy

// The routing snapshot currently in force. SIGHUP swaps in a new one; each request takes the
// snapshot current when it starts and keeps it to its end.
#pragma once

#include <memory>
#include <mutex>

#include "proxy/gateway.hpp"

namespace latchkey::proxy {

class LiveRouting {
 public:
  explicit LiveRouting(std::shared_ptr<const Routing> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const Routing> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void replace(std::shared_ptr<const Routing> next) {
    std::lock_guard lock(mutex_);
    current_.swap(next);
    // The old snapshot dies here, or with the last request that still holds it.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Routing> current_;
};

}  // namespace latchkey::proxy

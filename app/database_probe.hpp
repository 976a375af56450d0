// Readiness of the database, probed on a thread of its own once a second, so that /readyz
// answers at once from memory and never waits behind verifications in a full queue, nor on
// a database that hangs instead of refusing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "db/connection_pool.hpp"

namespace latchkey::app {

class DatabaseProbe {
 public:
  explicit DatabaseProbe(db::ConnectionPool& pool);
  ~DatabaseProbe();
  DatabaseProbe(const DatabaseProbe&) = delete;
  DatabaseProbe& operator=(const DatabaseProbe&) = delete;

  // True when a probe succeeded within the last few seconds.
  bool healthy() const;

 private:
  void run();

  db::ConnectionPool& pool_;
  std::atomic<std::int64_t> last_success_ms_{0};  // steady clock, 0: never
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace latchkey::app

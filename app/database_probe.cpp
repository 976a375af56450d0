#include "app/database_probe.hpp"

#include <pqxx/nontransaction>

namespace latchkey::app {

namespace {

constexpr auto kInterval = std::chrono::seconds(1);
constexpr auto kStaleAfter = std::chrono::seconds(3);  // three missed probes

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

DatabaseProbe::DatabaseProbe(db::ConnectionPool& pool) : pool_(pool), thread_([this] { run(); }) {}

DatabaseProbe::~DatabaseProbe() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool DatabaseProbe::healthy() const {
  const std::int64_t last = last_success_ms_.load();
  return last != 0 && now_ms() - last <= std::chrono::milliseconds(kStaleAfter).count();
}

void DatabaseProbe::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      pool_.run(kInterval, [](pqxx::connection& connection) {
        pqxx::nontransaction probe(connection);
        probe.exec("SELECT 1");
      });
      last_success_ms_.store(now_ms());
    } catch (const std::exception&) {
      // Not ready; healthy() turns false once the last success is stale.
    }
    lock.lock();
    wake_.wait_for(lock, kInterval, [this] { return stopping_; });
  }
}

}  // namespace latchkey::app

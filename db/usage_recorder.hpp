// Write-behind of "last used at / from / by" for application passwords: the request path
// records in memory, and a worker flushes everything pending in one statement, so a busy
// client costs no UPDATE per request (DESIGN.md §6).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "db/connection_pool.hpp"

namespace latchkey::db {

class UsageRecorder {
 public:
  static constexpr std::size_t kMaxUserAgentBytes = 256;
  static constexpr std::size_t kMaxAddressBytes = 64;
  // Beyond this many distinct passwords pending (database down for long), new ones are
  // dropped: last-used is informational and must not grow memory without bound.
  static constexpr std::size_t kMaxPending = 100'000;
  // Rows per UPDATE, all in one transaction, to keep a statement's size reasonable.
  static constexpr std::size_t kRowsPerStatement = 1'000;

  explicit UsageRecorder(ConnectionPool& pool,
                         std::chrono::milliseconds acquire_wait = std::chrono::seconds(2));

  // Cheap and thread-safe: remembers the latest use of each password (now, address, agent).
  void record(std::int64_t app_password_id, std::string from_address, std::string user_agent);

  // Writes every pending use in one transaction; returns how many passwords it covered.
  // On failure throws auth::StoreUnavailable and keeps the batch for the next flush (a
  // newer use recorded meanwhile wins).
  std::size_t flush();

  std::size_t pending() const;

 private:
  struct Use {
    std::chrono::system_clock::time_point at;
    std::string from_address;
    std::string user_agent;
  };
  using Batch = std::unordered_map<std::int64_t, Use>;

  void write(const Batch& batch);
  void requeue(Batch batch);

  ConnectionPool& pool_;
  std::chrono::milliseconds acquire_wait_;
  mutable std::mutex mutex_;
  Batch pending_;
};

}  // namespace latchkey::db

// Write-behind of "last used at / from" for tokens, as UsageRecorder does for application
// passwords (DESIGN.md §6): the request path records in memory, a worker writes every token
// due in one statement. A token in steady use from the address last written is written again
// only after `refresh`; a first use or a new address is written at the next flush. Tokens
// have no user agent and no audit event: only the latest use is kept.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "db/connection_pool.hpp"
#include "db/write_behind.hpp"

namespace latchkey::db {

class TokenUseRecorder {
 public:
  static constexpr std::size_t kMaxAddressBytes = 64;
  // Distinct tokens pending at most (database down for long); more are dropped.
  static constexpr std::size_t kMaxPending = 100'000;

  explicit TokenUseRecorder(ConnectionPool& pool,
                            std::chrono::milliseconds acquire_wait = std::chrono::seconds(2),
                            std::chrono::milliseconds refresh = std::chrono::minutes(1));

  // Cheap and thread-safe: remembers the latest use of the token (now, address).
  void record(std::int64_t token_id, std::string from_address);

  // Writes every use that is due in one statement; returns how many tokens it covered. On
  // failure throws auth::StoreUnavailable and keeps the batch for the next flush.
  std::size_t flush(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  std::size_t pending() const;

 private:
  // The latest use of one token (the Uses of WriteBehind).
  struct LatestUse {
    std::string from_address;
    std::chrono::system_clock::time_point at{};

    using Use = LatestUse;
    void stamp(std::chrono::system_clock::time_point t) { at = t; }
    void add(LatestUse other);  // the later of the two stays
    void merge(LatestUse other) { add(std::move(other)); }
    std::size_t where() const { return std::hash<std::string>{}(from_address); }
    bool news_since(std::size_t written) const { return where() != written; }
  };

  void write(const WriteBehind<LatestUse>::Batch& batch);

  ConnectionPool& pool_;
  std::chrono::milliseconds acquire_wait_;
  WriteBehind<LatestUse> uses_;
};

}  // namespace latchkey::db

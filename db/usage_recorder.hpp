// Write-behind of "last used at / from / by" for application passwords: the request path
// records in memory, and a worker flushes everything pending in one statement, so a busy
// client costs no UPDATE per request (DESIGN.md §6). A password in steady use (same address
// and user agent as last written) is written again only after `refresh`, so that thousands of
// busy clients cost the database a trickle, not a row per client per flush; a first use, a
// new address or a new user agent is written at the next flush. The same statement writes an
// app_password.new_address audit event for every address a password was used from that
// differs from the one stored before (the first use ever included).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "db/connection_pool.hpp"
#include "db/write_behind.hpp"

namespace latchkey::db {

class UsageRecorder {
 public:
  static constexpr std::size_t kMaxUserAgentBytes = 256;
  static constexpr std::size_t kMaxAddressBytes = 64;
  // Beyond this many distinct passwords pending (database down for long), new ones are
  // dropped: last-used is informational and must not grow memory without bound.
  static constexpr std::size_t kMaxPending = 100'000;
  // Passwords per statement, all in one transaction, to keep a statement's size reasonable.
  static constexpr std::size_t kRowsPerStatement = 1'000;
  // Distinct addresses remembered per password between two flushes, so that a use from a
  // new address is reported even when a use from the usual one follows within the interval.
  static constexpr std::size_t kMaxAddressesPerPassword = 4;

  explicit UsageRecorder(ConnectionPool& pool,
                         std::chrono::milliseconds acquire_wait = std::chrono::seconds(2),
                         std::chrono::milliseconds refresh = std::chrono::minutes(1));

  // Cheap and thread-safe: remembers the latest use of each password (now, address, agent)
  // and the distinct addresses it was used from.
  void record(std::int64_t app_password_id, std::string from_address, std::string user_agent);

  // Writes every pending use that is due (see above), and the new-address audit events, in
  // one transaction; returns how many passwords it covered. Uses not yet due stay pending. On
  // failure throws auth::StoreUnavailable and keeps the batch for the next flush (a newer use
  // recorded meanwhile wins).
  std::size_t flush(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  std::size_t pending() const;

 private:
  struct AddressUse {
    std::string from_address;
    std::string user_agent;  // of the latest use from this address
    std::chrono::system_clock::time_point first_at{};
    std::chrono::system_clock::time_point last_at{};

    void stamp(std::chrono::system_clock::time_point at) { first_at = last_at = at; }
  };
  // Per password: the addresses used since the last write, at most kMaxAddressesPerPassword
  // (the Uses of WriteBehind). "Where" is the address and user agent of a use.
  struct PasswordUses {
    using Use = AddressUse;
    std::vector<AddressUse> addresses;

    void merge(PasswordUses other);
    std::size_t where() const;  // of the latest use
    bool news_since(std::size_t where) const;
    void add(AddressUse use);
  };

  void write(const WriteBehind<PasswordUses>::Batch& batch);

  ConnectionPool& pool_;
  std::chrono::milliseconds acquire_wait_;
  WriteBehind<PasswordUses> uses_;
};

}  // namespace latchkey::db

// The audit log: refused logins written behind in aggregated batches, so that a password
// storm costs the database one bounded INSERT per flush instead of one row per attempt,
// and the events read back for `latchkey audit`. Other events (app_password.created,
// totp.enabled, ...) are written by AdminRepository and UsageRecorder in their own
// transactions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/keyed_hash.hpp"
#include "db/connection_pool.hpp"
#include "db/timestamp.hpp"

namespace pqxx {
class connection_base;
}

namespace latchkey::db {

// `text` (typed by a client) as valid UTF-8 of at most `max_bytes` bytes, never splitting a
// character, with every invalid byte and every character that can disguise text on a
// terminal (C0/C1 controls, DEL, bidirectional overrides and isolates, line and paragraph
// separators) replaced by `replacement` ("" strips them).
std::string clean_untrusted_text(std::string_view text, std::size_t max_bytes,
                                 std::string_view replacement = {});

// What a refused login under a name that is no account records instead of the name: a
// password typed into the username field must not reach the database in clear. 32 bits of a
// peppered HMAC of the cleaned, lower-cased name: enough to find a name among one second's
// rows, too few to confirm a password guess against a dictionary if the pepper leaks.
std::string refused_username_fingerprint(const auth::KeyedHasher& hasher,
                                         std::string_view username_as_typed);

class AuditLog {
 public:
  // Usernames are attacker input; the schema allows 128 characters, of which any client
  // only needs the first 128 bytes to be recognisable.
  static constexpr std::size_t kMaxUsernameBytes = 128;
  static constexpr std::size_t kMaxAddressBytes = 64;
  static constexpr std::size_t kMaxReasonBytes = 64;
  // Distinct (username, address, reason) tuples kept between two flushes: bounds memory and
  // the size of one flush (one row each) during a storm from many addresses. Refusals of
  // further tuples are only counted, in one audit.dropped row.
  static constexpr std::size_t kMaxDistinct = 1'000;

  AuditLog(ConnectionPool& pool, const auth::KeyedHasher& hasher,
           std::chrono::milliseconds acquire_wait = std::chrono::seconds(2));

  // Cheap and thread-safe, never touches the database: counts one refused login under
  // (lower-case username, address, reason). The username is cleaned and truncated first.
  void record_refused_login(std::string username_as_typed, std::string client_address,
                            std::string reason);

  // Writes every pending tuple as one login.refused row (plus one audit.dropped row when
  // tuples were over the cap) in one transaction and one multi-row INSERT; returns the rows
  // written. On failure throws auth::StoreUnavailable and keeps the counts for the next
  // flush, still within kMaxDistinct.
  std::size_t flush();

  std::size_t pending() const;            // distinct tuples waiting
  std::uint64_t pending_dropped() const;  // refusals waiting to be reported as dropped

 private:
  using Clock = std::chrono::system_clock;

  struct Refusal {
    std::string username;  // cleaned, as first typed in this interval
    std::string address;
    std::string reason;
    bool username_altered = false;  // cleaning changed it: it names no account
    std::uint64_t count = 0;
    Clock::time_point first_at;
  };
  // Keyed by altered flag, lower-case username, address and reason.
  using Refusals = std::unordered_map<std::string, Refusal>;

  struct Dropped {
    std::uint64_t count = 0;
    Clock::time_point first_at;
  };

  void write(const Refusals& refusals, const Dropped& dropped);
  void requeue(Refusals refusals, const Dropped& dropped);
  void add_dropped_locked(std::uint64_t count, Clock::time_point at);

  ConnectionPool& pool_;
  const auth::KeyedHasher& hasher_;
  std::chrono::milliseconds acquire_wait_;
  mutable std::mutex mutex_;
  Refusals pending_;
  Dropped dropped_;
};

// ---- reading, for `latchkey audit` ----------------------------------------------------

struct AuditEvent {
  std::int64_t id = 0;
  Timestamp at;
  std::optional<std::int64_t> user_id;
  std::string username;  // the account's name when the event was written, "" when none
  std::string event;
  std::string detail;  // a JSON object as PostgreSQL prints it; never a secret
  std::string source;  // "cli", or a client address
};

struct AuditQuery {
  std::optional<std::string> username;  // only this account's events (case-insensitive)
  // Only refused logins typed with this name, whether it names an account or not (then
  // matched by refused_username_fingerprint, which needs the hasher).
  std::optional<std::string> tried;
  const auth::KeyedHasher* hasher = nullptr;
  std::optional<Timestamp> since;       // only events at or after this time
  std::size_t limit = 1'000;            // only the newest this many
};

// The matching events, oldest first. Throws NotFound when query.username names no user,
// auth::StoreUnavailable when the connection breaks.
std::vector<AuditEvent> read_audit_events(pqxx::connection_base& connection,
                                          const AuditQuery& query);

// ---- retention: `latchkey serve` and `latchkey audit prune` --------------------------

// Events deleted per statement: each batch is its own short transaction, so a first prune of
// a huge table holds no long one, and one batch outruns the most a flush writes in a second.
inline constexpr std::size_t kAuditPruneBatchRows = 10'000;

// Deletes at most `max_rows` of the oldest events older than `older_than` (by the server's
// clock) in one transaction; returns how many. Throws auth::StoreUnavailable when the
// connection breaks.
std::size_t delete_old_audit_events(pqxx::connection_base& connection,
                                    std::chrono::milliseconds older_than, std::size_t max_rows);

// Every event older than `older_than`, `batch_rows` per transaction until a batch comes back
// short; returns how many.
std::size_t prune_audit_events(pqxx::connection_base& connection,
                               std::chrono::milliseconds older_than,
                               std::size_t batch_rows = kAuditPruneBatchRows);

}  // namespace latchkey::db

// When `latchkey serve` deletes the audit events past the retention: a round at start and one
// every hour, one batch per step. The steps run on the flush thread between its flushes, so a
// first round on a huge table makes those wait one statement at a time, never the whole round.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

#include "db/audit_log.hpp"

namespace latchkey::db {

class AuditRetention {
 public:
  using Clock = std::chrono::steady_clock;
  // Deletes at most `max_rows` of the events past the retention; returns how many. Throws on
  // failure (delete_old_audit_events on a pooled connection, in `latchkey serve`).
  using DeleteBatch = std::function<std::size_t(std::size_t max_rows)>;

  // Hourly is far finer than any retention counted in days, and costs one indexed probe.
  static constexpr Clock::duration kInterval = std::chrono::hours(1);
  // After a failure (database down): soon enough to finish the round, seldom enough not to
  // log a warning every second.
  static constexpr Clock::duration kRetryAfter = std::chrono::minutes(1);

  explicit AuditRetention(DeleteBatch delete_batch, std::size_t batch_rows = kAuditPruneBatchRows,
                          Clock::duration interval = kInterval,
                          Clock::duration retry_after = kRetryAfter);

  struct Step {
    std::size_t deleted = 0;                   // by this step
    std::optional<std::size_t> round_deleted;  // set when a round ended: what all of it deleted
  };

  // Deletes one batch when a round is due or under way (the first call starts one); a batch
  // that comes back short ends the round. On failure rethrows and tries again after
  // retry_after, the round's count kept.
  Step step(Clock::time_point now);

 private:
  DeleteBatch delete_batch_;
  std::size_t batch_rows_;
  Clock::duration interval_;
  Clock::duration retry_after_;
  std::optional<Clock::time_point> next_;  // nullopt: before the first round
  std::size_t round_deleted_ = 0;
};

}  // namespace latchkey::db

#include "db/audit_retention.hpp"

#include <utility>

namespace latchkey::db {

AuditRetention::AuditRetention(DeleteBatch delete_batch, std::size_t batch_rows,
                               Clock::duration interval, Clock::duration retry_after)
    : delete_batch_(std::move(delete_batch)),
      batch_rows_(batch_rows),
      interval_(interval),
      retry_after_(retry_after) {}

AuditRetention::Step AuditRetention::step(Clock::time_point now) {
  if (next_ && now < *next_) return {};
  std::size_t deleted = 0;
  try {
    deleted = delete_batch_(batch_rows_);
  } catch (...) {
    next_ = now + retry_after_;
    throw;
  }
  round_deleted_ += deleted;
  Step step{deleted, std::nullopt};
  if (deleted < batch_rows_) {
    step.round_deleted = std::exchange(round_deleted_, 0);
    next_ = now + interval_;
  } else {
    next_ = now;  // more to delete: the next step goes on
  }
  return step;
}

}  // namespace latchkey::db

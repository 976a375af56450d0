#include "db/usage_recorder.hpp"

#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"

namespace latchkey::db {

UsageRecorder::UsageRecorder(ConnectionPool& pool, std::chrono::milliseconds acquire_wait)
    : pool_(pool), acquire_wait_(acquire_wait) {}

void UsageRecorder::record(std::int64_t app_password_id, std::string from_address,
                           std::string user_agent) {
  Use use{std::chrono::system_clock::now(), sanitize_text(from_address, kMaxAddressBytes),
          sanitize_text(user_agent, kMaxUserAgentBytes)};
  std::lock_guard lock(mutex_);
  if (auto it = pending_.find(app_password_id); it != pending_.end()) {
    it->second = std::move(use);
  } else if (pending_.size() < kMaxPending) {
    pending_.emplace(app_password_id, std::move(use));
  }
}

std::size_t UsageRecorder::flush() {
  Batch batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  if (batch.empty()) return 0;
  try {
    write(batch);
  } catch (const auth::StoreUnavailable&) {
    requeue(std::move(batch));
    throw;
  } catch (const std::exception& e) {
    requeue(std::move(batch));
    throw auth::StoreUnavailable(std::string("recording last use failed: ") +
                                 scrub_message(e.what(), ""));
  }
  return batch.size();
}

std::size_t UsageRecorder::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void UsageRecorder::write(const Batch& batch) {
  pool_.run(acquire_wait_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection, "record_usage");
    std::string statement;
    std::size_t rows = 0;
    const auto send = [&] {
      statement.append(sql::kRecordUsageSuffix);
      tx.exec0(statement, "record_usage");
      statement.clear();
      rows = 0;
    };
    for (const auto& [id, use] : batch) {
      statement.append(rows == 0 ? sql::kRecordUsagePrefix : std::string_view(", "));
      const auto micros =
          std::chrono::duration_cast<std::chrono::microseconds>(use.at.time_since_epoch()).count();
      // Values are quoted by libpq (PQescapeStringConn); ids and times are integers.
      statement.append("(")
          .append(std::to_string(id))
          .append("::bigint, ")
          .append(std::to_string(micros))
          .append("::bigint, ")
          .append(tx.quote(use.from_address))
          .append("::text, ")
          .append(tx.quote(use.user_agent))
          .append("::text)");
      if (++rows == kRowsPerStatement) send();
    }
    if (rows > 0) send();
    tx.commit();
  });
}

void UsageRecorder::requeue(Batch batch) {
  std::lock_guard lock(mutex_);
  for (auto& [id, use] : batch) {
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      if (pending_.size() < kMaxPending) pending_.emplace(id, std::move(use));
    } else if (it->second.at < use.at) {
      it->second = std::move(use);
    }
  }
}

}  // namespace latchkey::db

#include "db/usage_recorder.hpp"

#include <algorithm>
#include <pqxx/except>
#include <pqxx/prepared_statement>
#include <pqxx/result>
#include <pqxx/transaction>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"

namespace latchkey::db {
namespace {

std::int64_t unix_micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

UsageRecorder::UsageRecorder(ConnectionPool& pool, std::chrono::milliseconds acquire_wait,
                             std::chrono::milliseconds refresh)
    : pool_(pool), acquire_wait_(acquire_wait), refresh_(refresh) {}

std::size_t UsageRecorder::where_of(const AddressUse& use) {
  const std::size_t address = std::hash<std::string>{}(use.from_address);
  return address ^ (std::hash<std::string>{}(use.user_agent) + 0x9e3779b97f4a7c15ULL +
                    (address << 6) + (address >> 2));
}

bool UsageRecorder::due(std::int64_t id, const std::vector<AddressUse>& uses,
                        std::chrono::steady_clock::time_point now) const {
  const auto written = written_.find(id);
  if (written == written_.end() || now - written->second.at >= refresh_) return true;
  // Any use from elsewhere, or by another agent, is news: the audit event must not wait. (A
  // hash collision only delays it to the refresh; the statement compares the real address.)
  return std::any_of(uses.begin(), uses.end(),
                     [&](const AddressUse& use) { return where_of(use) != written->second.where; });
}

void UsageRecorder::record(std::int64_t app_password_id, std::string from_address,
                           std::string user_agent) {
  AddressUse use{sanitize_text(from_address, kMaxAddressBytes),
                 sanitize_text(user_agent, kMaxUserAgentBytes), {}, {}};
  std::lock_guard lock(mutex_);
  // Microseconds, the resolution the flush sends: distinct there, not just in nanoseconds.
  std::chrono::system_clock::time_point now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  if (now <= last_stamp_) now = last_stamp_ + std::chrono::microseconds(1);
  last_stamp_ = now;
  use.first_at = now;
  use.last_at = now;
  if (auto it = pending_.find(app_password_id); it != pending_.end()) {
    merge(it->second, std::move(use));
  } else if (pending_.size() < kMaxPending) {
    pending_[app_password_id].push_back(std::move(use));
  }
}

std::size_t UsageRecorder::flush(std::chrono::steady_clock::time_point now) {
  std::lock_guard flushing(flush_mutex_);
  Batch recorded;
  {
    std::lock_guard lock(mutex_);
    recorded.swap(pending_);
    pending_.reserve(recorded.size());  // the next interval is likely as busy
  }
  absorb(held_, std::move(recorded));
  Batch batch;
  for (auto it = held_.begin(); it != held_.end();) {
    if (due(it->first, it->second, now)) {
      batch.emplace(it->first, std::move(it->second));
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  if (batch.empty()) return 0;
  try {
    write(batch);
  } catch (const auth::StoreUnavailable&) {
    absorb(held_, std::move(batch));
    throw;
  } catch (const std::exception& e) {
    absorb(held_, std::move(batch));
    throw auth::StoreUnavailable(std::string("recording last use failed: ") +
                                 scrub_message(e.what(), ""));
  }
  if (written_.size() + batch.size() > kMaxPending) written_.clear();  // costs a write each, later
  for (const auto& [id, uses] : batch) {
    const auto latest = std::max_element(
        uses.begin(), uses.end(),
        [](const AddressUse& a, const AddressUse& b) { return a.last_at < b.last_at; });
    written_[id] = Written{where_of(*latest), now};
  }
  return batch.size();
}

std::size_t UsageRecorder::pending() const {
  std::lock_guard flushing(flush_mutex_);
  std::lock_guard lock(mutex_);
  std::size_t count = held_.size();
  for (const auto& [id, uses] : pending_) count += held_.contains(id) ? 0 : 1;
  return count;
}

void UsageRecorder::merge(std::vector<AddressUse>& uses, AddressUse use) {
  const auto same = std::find_if(uses.begin(), uses.end(), [&](const AddressUse& u) {
    return u.from_address == use.from_address;
  });
  if (same != uses.end()) {
    same->first_at = std::min(same->first_at, use.first_at);
    if (same->last_at <= use.last_at) {
      same->last_at = use.last_at;
      same->user_agent = std::move(use.user_agent);
    }
  } else if (uses.size() < kMaxAddressesPerPassword) {
    uses.push_back(std::move(use));
  } else {
    // Full (a client hopping addresses): the stalest address gives way to a newer one.
    const auto stalest = std::min_element(
        uses.begin(), uses.end(),
        [](const AddressUse& a, const AddressUse& b) { return a.last_at < b.last_at; });
    if (stalest->last_at < use.last_at) *stalest = std::move(use);
  }
}

void UsageRecorder::write(const Batch& batch) {
  static_assert(kRowsPerStatement * kMaxAddressesPerPassword * 5 < 65'535,
                "one statement binds at most 65535 parameters");
  // In id order, so that concurrent flushes of two replicas lock rows in the same order.
  std::vector<std::int64_t> ids;
  ids.reserve(batch.size());
  for (const auto& [id, uses] : batch) ids.push_back(id);
  std::sort(ids.begin(), ids.end());

  pool_.run(acquire_wait_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection, "record_usage");
    std::string statement;
    std::vector<std::string> parameters;
    std::size_t passwords = 0;
    const auto send = [&] {
      statement.append(sql::kRecordUsageSuffix);
      // Every value is a bound parameter: addresses and user agents are client input.
      tx.exec_params0(statement, pqxx::prepare::make_dynamic_params(parameters));
      statement.clear();
      parameters.clear();
      passwords = 0;
    };
    for (const std::int64_t id : ids) {
      for (const AddressUse& use : batch.at(id)) {
        const auto n = [&](std::size_t offset) {
          return "$" + std::to_string(parameters.size() + offset);
        };
        statement.append(parameters.empty() ? sql::kRecordUsagePrefix : std::string_view(", "))
            .append("(" + n(1) + "::bigint, " + n(2) + "::bigint, " + n(3) + "::bigint, ")
            .append(n(4) + "::text, " + n(5) + "::text)");
        parameters.push_back(std::to_string(id));
        parameters.push_back(std::to_string(unix_micros(use.first_at)));
        parameters.push_back(std::to_string(unix_micros(use.last_at)));
        parameters.push_back(use.from_address);
        parameters.push_back(use.user_agent);
      }
      // All addresses of one password in one statement: it compares them with the stored one.
      if (++passwords == kRowsPerStatement) send();
    }
    if (passwords > 0) send();
    tx.commit();
  });
}

void UsageRecorder::absorb(Batch& into, Batch from) {
  for (auto& [id, uses] : from) {
    auto it = into.find(id);
    if (it == into.end()) {
      if (into.size() < kMaxPending) into.emplace(id, std::move(uses));
    } else {
      for (AddressUse& use : uses) merge(it->second, std::move(use));
    }
  }
}

}  // namespace latchkey::db

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
#include "db/timestamp.hpp"

namespace latchkey::db {
namespace {

std::size_t where_of(const std::string& address, const std::string& user_agent) {
  const std::size_t a = std::hash<std::string>{}(address);
  return a ^ (std::hash<std::string>{}(user_agent) + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

}  // namespace

UsageRecorder::UsageRecorder(ConnectionPool& pool, std::chrono::milliseconds acquire_wait,
                             std::chrono::milliseconds refresh)
    : pool_(pool), acquire_wait_(acquire_wait), uses_(kMaxPending, refresh) {}

void UsageRecorder::record(std::int64_t app_password_id, std::string from_address,
                           std::string user_agent) {
  uses_.record(app_password_id,
               AddressUse{.from_address = sanitize_text(from_address, kMaxAddressBytes),
                          .user_agent = sanitize_text(user_agent, kMaxUserAgentBytes)});
}

std::size_t UsageRecorder::flush(std::chrono::steady_clock::time_point now) {
  return uses_.flush(now, [this](const WriteBehind<PasswordUses>::Batch& batch) { write(batch); });
}

std::size_t UsageRecorder::pending() const {
  return uses_.pending();
}

std::size_t UsageRecorder::PasswordUses::where() const {
  const auto latest = std::max_element(
      addresses.begin(), addresses.end(),
      [](const AddressUse& a, const AddressUse& b) { return a.last_at < b.last_at; });
  return where_of(latest->from_address, latest->user_agent);
}

// Any use from elsewhere, or by another agent, is news: the audit event must not wait (the
// statement compares the real address).
bool UsageRecorder::PasswordUses::news_since(std::size_t where) const {
  return std::any_of(addresses.begin(), addresses.end(), [&](const AddressUse& use) {
    return where_of(use.from_address, use.user_agent) != where;
  });
}

void UsageRecorder::PasswordUses::merge(PasswordUses other) {
  for (AddressUse& use : other.addresses) add(std::move(use));
}

void UsageRecorder::PasswordUses::add(AddressUse use) {
  const auto same = std::find_if(addresses.begin(), addresses.end(), [&](const AddressUse& u) {
    return u.from_address == use.from_address;
  });
  if (same != addresses.end()) {
    same->first_at = std::min(same->first_at, use.first_at);
    if (same->last_at <= use.last_at) {
      same->last_at = use.last_at;
      same->user_agent = std::move(use.user_agent);
    }
  } else if (addresses.size() < kMaxAddressesPerPassword) {
    addresses.push_back(std::move(use));
  } else {
    // Full (a client hopping addresses): the stalest address gives way to a newer one.
    const auto stalest = std::min_element(
        addresses.begin(), addresses.end(),
        [](const AddressUse& a, const AddressUse& b) { return a.last_at < b.last_at; });
    if (stalest->last_at < use.last_at) *stalest = std::move(use);
  }
}

void UsageRecorder::write(const WriteBehind<PasswordUses>::Batch& batch) {
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
      for (const AddressUse& use : batch.at(id).addresses) {
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

}  // namespace latchkey::db

#include "db/audit_log.hpp"

#include <algorithm>
#include <pqxx/connection_base>
#include <pqxx/except>
#include <pqxx/prepared_statement>
#include <pqxx/result>
#include <pqxx/transaction>
#include <stdexcept>
#include <vector>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/errors.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"
#include "db/timestamp.hpp"
#include "text/ascii.hpp"

namespace latchkey::db {
namespace {

// Bytes of the UTF-8 sequence that `lead` starts, by its lead byte alone (RFC 3629 §4).
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0xE0) return lead < 0xC0 ? 1 : 2;
  return lead < 0xF0 ? 3 : 4;
}

char32_t decode(std::string_view sequence) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(sequence[i]); };
  switch (sequence.size()) {
    case 1:
      return byte(0);
    case 2:
      return (char32_t{byte(0)} & 0x1F) << 6 | (byte(1) & 0x3F);
    case 3:
      return (char32_t{byte(0)} & 0x0F) << 12 | (char32_t{byte(1)} & 0x3F) << 6 | (byte(2) & 0x3F);
    default:
      return (char32_t{byte(0)} & 0x07) << 18 | (char32_t{byte(1)} & 0x3F) << 12 |
             (char32_t{byte(2)} & 0x3F) << 6 | (byte(3) & 0x3F);
  }
}

// Characters that rewrite or reorder what a terminal or an editor shows (CVE-2021-42574).
bool disguises_text(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x2028 && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// The server's one-line reason, without DETAIL lines that may quote row values.
std::string first_line(std::string_view text) {
  return scrub_message(text.substr(0, text.find('\n')), "");
}

}  // namespace

std::string clean_untrusted_text(std::string_view text, std::size_t max_bytes,
                                 std::string_view replacement) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  while (!text.empty()) {
    const auto lead = static_cast<unsigned char>(text.front());
    std::size_t length = lead < 0x80 ? 1 : sequence_length(lead);
    const std::string_view sequence = text.substr(0, length);
    const bool valid =
        lead < 0x80 || (lead >= 0xC0 && sequence.size() == length && is_valid_utf8(sequence));
    if (!valid) length = 1;
    const std::string_view kept =
        valid && !disguises_text(decode(sequence)) ? sequence : replacement;
    if (out.size() + kept.size() > max_bytes) break;
    out.append(kept);
    text.remove_prefix(length);
  }
  return out;
}

std::string refused_username_fingerprint(const auth::KeyedHasher& hasher,
                                         std::string_view username_as_typed) {
  const std::string name =
      text::ascii_lower(clean_untrusted_text(username_as_typed, AuditLog::kMaxUsernameBytes));
  return auth::to_hex(hasher.digest("refused_username", name)).substr(0, 8);
}

AuditLog::AuditLog(ConnectionPool& pool, const auth::KeyedHasher& hasher,
                   std::chrono::milliseconds acquire_wait)
    : pool_(pool), hasher_(hasher), acquire_wait_(acquire_wait) {}

void AuditLog::record_refused_login(std::string username_as_typed, std::string client_address,
                                    std::string reason) {
  Refusal refusal;
  refusal.username = clean_untrusted_text(username_as_typed, kMaxUsernameBytes);
  refusal.username_altered = refusal.username != username_as_typed;
  refusal.address = clean_untrusted_text(client_address, kMaxAddressBytes);
  refusal.reason = clean_untrusted_text(reason, kMaxReasonBytes);
  refusal.count = 1;
  refusal.first_at = Clock::now();
  // Cleaned text holds no NUL, so NUL separates the parts unambiguously.
  std::string key = (refusal.username_altered ? "1" : "0") + text::ascii_lower(refusal.username);
  key.append(1, '\0').append(refusal.address).append(1, '\0').append(refusal.reason);

  std::lock_guard lock(mutex_);
  if (auto it = pending_.find(key); it != pending_.end()) {
    ++it->second.count;
  } else if (pending_.size() < kMaxDistinct) {
    pending_.emplace(std::move(key), std::move(refusal));
  } else {
    add_dropped_locked(1, refusal.first_at);
  }
}

std::size_t AuditLog::flush() {
  Refusals refusals;
  Dropped dropped;
  {
    std::lock_guard lock(mutex_);
    refusals.swap(pending_);
    std::swap(dropped, dropped_);
  }
  if (refusals.empty() && dropped.count == 0) return 0;
  try {
    write(refusals, dropped);
  } catch (const auth::StoreUnavailable&) {
    requeue(std::move(refusals), dropped);
    throw;
  } catch (const std::exception& e) {
    requeue(std::move(refusals), dropped);
    throw auth::StoreUnavailable("recording refused logins failed: " + first_line(e.what()));
  }
  return refusals.size() + (dropped.count > 0 ? 1 : 0);
}

std::size_t AuditLog::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

std::uint64_t AuditLog::pending_dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_.count;
}

void AuditLog::write(const Refusals& refusals, const Dropped& dropped) {
  static_assert(kMaxDistinct * 7 < 65'535, "one INSERT binds at most 65535 parameters");
  std::vector<const Refusal*> rows;
  rows.reserve(refusals.size());
  for (const auto& [key, refusal] : refusals) rows.push_back(&refusal);
  std::sort(rows.begin(), rows.end(),
            [](const Refusal* a, const Refusal* b) { return a->first_at < b->first_at; });

  // Every value is a bound parameter: a username is attacker input and is never SQL text.
  std::string statement(sql::kInsertRefusedLoginsPrefix);
  std::vector<std::string> parameters;
  parameters.reserve(rows.size() * 7);
  for (const Refusal* row : rows) {
    const auto n = [&](std::size_t offset) {
      return "$" + std::to_string(parameters.size() + offset);
    };
    statement.append(parameters.empty() ? "(" : ", (")
        .append(n(1) + "::text, " + n(2) + "::text, " + n(3) + "::text, ")
        .append(n(4) + "::bigint, " + n(5) + "::bigint, " + n(6) + "::boolean, ")
        .append(n(7) + "::text)");
    parameters.push_back(row->username);
    parameters.push_back(row->address);
    parameters.push_back(row->reason);
    parameters.push_back(std::to_string(row->count));
    parameters.push_back(std::to_string(unix_micros(row->first_at)));
    parameters.push_back(row->username_altered ? "true" : "false");
    parameters.push_back(refused_username_fingerprint(hasher_, row->username));
  }
  statement.append(sql::kInsertRefusedLoginsSuffix);

  pool_.run(acquire_wait_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection, "record_refused_logins");
    if (!rows.empty()) tx.exec_params0(statement, pqxx::prepare::make_dynamic_params(parameters));
    if (dropped.count > 0) {
      tx.exec_prepared0(sql::kInsertAuditDropped.name, unix_micros(dropped.first_at),
                        static_cast<std::int64_t>(dropped.count));
    }
    tx.commit();
  });
}

void AuditLog::requeue(Refusals refusals, const Dropped& dropped) {
  std::lock_guard lock(mutex_);
  for (auto& [key, refusal] : refusals) {
    if (auto it = pending_.find(key); it != pending_.end()) {
      it->second.count += refusal.count;
      it->second.first_at = std::min(it->second.first_at, refusal.first_at);
    } else if (pending_.size() < kMaxDistinct) {
      pending_.emplace(key, std::move(refusal));
    } else {
      add_dropped_locked(refusal.count, refusal.first_at);
    }
  }
  if (dropped.count > 0) add_dropped_locked(dropped.count, dropped.first_at);
}

void AuditLog::add_dropped_locked(std::uint64_t count, Clock::time_point at) {
  dropped_.first_at = dropped_.count == 0 ? at : std::min(dropped_.first_at, at);
  dropped_.count += count;
}

std::vector<AuditEvent> read_audit_events(pqxx::connection_base& connection,
                                          const AuditQuery& query) {
  try {
    pqxx::read_transaction tx(connection, "read_audit_events");
    std::optional<std::int64_t> user_id;
    if (query.username) {
      const pqxx::result users = tx.exec_prepared(sql::kFindUser.name, *query.username);
      if (users.empty()) {
        throw NotFound("no user \"" + clean_untrusted_text(*query.username, 200, "?") + "\"");
      }
      user_id = users[0][0].as<std::int64_t>();
    }
    std::optional<std::int64_t> since;
    if (query.since) since = query.since->time_since_epoch().count();
    std::vector<AuditEvent> events;
    std::optional<std::string> tried_fingerprint;
    if (query.tried) {
      if (query.hasher == nullptr) throw std::logic_error("AuditQuery::tried needs the hasher");
      tried_fingerprint = refused_username_fingerprint(*query.hasher, *query.tried);
    }
    for (const auto& row :
         tx.exec_prepared(sql::kListAuditEvents.name, user_id, since,
                          static_cast<std::int64_t>(query.limit), query.tried, tried_fingerprint)) {
      AuditEvent event;
      event.id = row[0].as<std::int64_t>();
      event.at = from_unix_micros(row[1].as<std::int64_t>());
      if (!row[2].is_null()) event.user_id = row[2].as<std::int64_t>();
      event.username = row[3].as<std::string>();
      event.event = row[4].as<std::string>();
      event.detail = row[5].as<std::string>();
      event.source = row[6].as<std::string>();
      events.push_back(std::move(event));
    }
    return events;
  } catch (const pqxx::broken_connection& e) {
    throw auth::StoreUnavailable("lost the PostgreSQL connection while reading audit events: " +
                                 first_line(e.what()));
  } catch (const pqxx::sql_error& e) {
    throw std::runtime_error("database error while reading audit events (SQLSTATE " + e.sqlstate() +
                             "): " + first_line(e.what()));
  }
}

std::size_t delete_old_audit_events(pqxx::connection_base& connection,
                                    std::chrono::milliseconds older_than, std::size_t max_rows) {
  try {
    pqxx::work tx(connection, "delete_old_audit_events");
    const pqxx::row row = tx.exec_prepared1(sql::kDeleteOldAuditEvents.name,
                                            static_cast<std::int64_t>(older_than.count()),
                                            static_cast<std::int64_t>(max_rows));
    tx.commit();
    return static_cast<std::size_t>(row[0].as<std::int64_t>());
  } catch (const pqxx::broken_connection& e) {
    throw auth::StoreUnavailable(
        "lost the PostgreSQL connection while deleting old audit events: " + first_line(e.what()));
  } catch (const pqxx::sql_error& e) {
    throw std::runtime_error("database error while deleting old audit events (SQLSTATE " +
                             e.sqlstate() + "): " + first_line(e.what()));
  }
}

std::size_t prune_audit_events(pqxx::connection_base& connection,
                               std::chrono::milliseconds older_than, std::size_t batch_rows) {
  if (batch_rows == 0) throw std::invalid_argument("prune_audit_events: batch_rows is 0");
  std::size_t total = 0;
  for (;;) {
    const std::size_t deleted = delete_old_audit_events(connection, older_than, batch_rows);
    total += deleted;
    if (deleted < batch_rows) return total;
  }
}

}  // namespace latchkey::db

#include "db/pg_credential_store.hpp"

#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>
#include <string>
#include <type_traits>
#include <utility>

#include "db/connection.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"

namespace latchkey::db {
namespace {

// Audit source of locks the proxy causes; the CLI writes "cli".
constexpr const char* kProxySource = "proxy";

std::optional<std::chrono::system_clock::time_point> optional_time(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::microseconds(field.as<std::int64_t>()));
}

// The columns of LATCHKEY_AUTH_USER_COLUMNS (db/statements.hpp) from `first` on.
auth::UserRecord user_from(const pqxx::row& row, pqxx::row::size_type first) {
  auth::UserRecord user;
  user.id = row[first].as<std::int64_t>();
  user.username = row[first + 1].as<std::string>();
  user.email = row[first + 2].as<std::string>();
  user.password_hash = row[first + 3].as<std::string>();
  user.totp_enabled = row[first + 4].as<bool>();
  user.disabled = row[first + 5].as<bool>();
  user.locked_until = optional_time(row[first + 6]);
  user.failed_logins = row[first + 7].as<int>();
  user.lock_count = row[first + 8].as<int>();
  return user;
}

// One round trip in a transaction of type Tx (read-only for lookups, pqxx::work for the lock
// bookkeeping); every database failure becomes StoreUnavailable (fail closed).
template <typename Tx, typename Work>
auto in_transaction(ConnectionPool& pool, std::chrono::milliseconds wait, const char* what,
                    Work&& work) {
  try {
    return pool.run(wait, [&](pqxx::connection& connection) {
      Tx tx(connection, what);
      if constexpr (std::is_void_v<std::invoke_result_t<Work&, Tx&>>) {
        work(tx);
        tx.commit();
      } else {
        auto result = work(tx);
        tx.commit();
        return result;
      }
    });
  } catch (const auth::StoreUnavailable&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    // The statement is ours and its parameters are checked, so this is the server's trouble.
    throw auth::StoreUnavailable(std::string(what) + " failed: SQLSTATE " + e.sqlstate());
  } catch (const pqxx::failure& e) {
    throw auth::StoreUnavailable(std::string(what) + " failed: " + scrub_message(e.what(), ""));
  }
}

template <typename Work>
auto lookup(ConnectionPool& pool, std::chrono::milliseconds wait, const char* what, Work&& work) {
  return in_transaction<pqxx::read_transaction>(pool, wait, what, std::forward<Work>(work));
}

}  // namespace

PgCredentialStore::PgCredentialStore(ConnectionPool& pool, std::chrono::milliseconds acquire_wait)
    : pool_(pool), acquire_wait_(acquire_wait) {}

std::optional<auth::UserRecord> PgCredentialStore::find_user(std::string_view username) {
  // No stored username holds these, and PostgreSQL would reject the bytes with an error.
  if (username.empty() || !is_valid_utf8(username) ||
      username.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  return lookup(pool_, acquire_wait_, "find_user",
                [&](pqxx::transaction_base& tx) -> std::optional<auth::UserRecord> {
                  const pqxx::result r =
                      tx.exec_prepared(sql::kFindUserForAuth.name, std::string(username));
                  if (r.empty()) return std::nullopt;
                  return user_from(r[0], 0);
                });
}

std::optional<auth::AppPasswordMatch> PgCredentialStore::find_app_password(
    const auth::Digest& hash) {
  return lookup(pool_, acquire_wait_, "find_app_password",
                [&](pqxx::transaction_base& tx) -> std::optional<auth::AppPasswordMatch> {
                  const pqxx::result r =
                      tx.exec_prepared(sql::kFindAppPassword.name, hex_encode(hash));
                  if (r.empty()) return std::nullopt;
                  auth::AppPasswordMatch match;
                  match.id = r[0][0].as<std::int64_t>();
                  match.name = r[0][1].as<std::string>();
                  match.user = user_from(r[0], 2);
                  if (!r[0][11].is_null()) {
                    // An empty list grants nothing; a stored list is always well-formed.
                    match.scopes = auth::parse_scope_list(r[0][11].as<std::string>())
                                       .value_or(std::vector<std::string>{});
                  }
                  match.expires_at = optional_time(r[0][12]);
                  return match;
                });
}

std::optional<auth::TokenMatch> PgCredentialStore::find_token(const auth::Digest& digest) {
  return lookup(pool_, acquire_wait_, "find_token",
                [&](pqxx::transaction_base& tx) -> std::optional<auth::TokenMatch> {
                  const pqxx::result r = tx.exec_prepared(sql::kFindToken.name, hex_encode(digest));
                  if (r.empty()) return std::nullopt;
                  const pqxx::row row = r[0];
                  auth::TokenMatch match;
                  match.id = row[0].as<std::int64_t>();
                  const auto kind = auth::token_kind_from_string(row[1].as<std::string>());
                  if (!kind) return std::nullopt;
                  match.kind = *kind;
                  match.name = row[2].as<std::string>();
                  if (!row[3].is_null()) {
                    match.scopes = auth::parse_scope_list(row[3].as<std::string>())
                                       .value_or(std::vector<std::string>{});
                  }
                  if (!row[4].is_null()) match.app_password_id = row[4].as<std::int64_t>();
                  if (!row[5].is_null()) match.client_id = row[5].as<std::string>();
                  match.created_at = *optional_time(row[6]);
                  match.expires_at = optional_time(row[7]);
                  match.user = user_from(row, 8);
                  return match;
                });
}

auth::LockState PgCredentialStore::record_failed_login(std::int64_t user_id,
                                                       const auth::LockPolicy& policy) {
  return in_transaction<pqxx::work>(
      pool_, acquire_wait_, "record_failed_login", [&](pqxx::work& tx) {
        const pqxx::result r = tx.exec_prepared(
            sql::kRecordFailedLogin.name, user_id, policy.lock_after,
            static_cast<std::int64_t>(policy.lock_duration.count()),
            static_cast<std::int64_t>(policy.lock_duration_max.count()), kProxySource);
        auth::LockState state;
        if (r.empty()) return state;  // the account was deleted meanwhile
        state.failed_logins = r[0][0].as<int>();
        state.locked_until = optional_time(r[0][1]);
        state.locked_now = r[0][2].as<bool>();
        // A lock must also end the account's cached credentials on every replica, or a guess
        // that matches a cached entry would still get in (delivered at commit).
        if (state.locked_now) {
          tx.exec_params("SELECT pg_notify($1, $2)", std::string(kCredentialsChangedChannel),
                         std::to_string(user_id));
        }
        return state;
      });
}

void PgCredentialStore::record_successful_login(std::int64_t user_id) {
  in_transaction<pqxx::work>(pool_, acquire_wait_, "record_successful_login", [&](pqxx::work& tx) {
    tx.exec_prepared0(sql::kRecordSuccessfulLogin.name, user_id);
  });
}

}  // namespace latchkey::db

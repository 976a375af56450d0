#include "db/pg_credential_store.hpp"

#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>
#include <string>

#include "db/connection.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"

namespace latchkey::db {
namespace {

// Columns id, username, email, password_hash, totp_enabled, disabled from `first` on.
auth::UserRecord user_from(const pqxx::row& row, pqxx::row::size_type first) {
  auth::UserRecord user;
  user.id = row[first].as<std::int64_t>();
  user.username = row[first + 1].as<std::string>();
  user.email = row[first + 2].as<std::string>();
  user.password_hash = row[first + 3].as<std::string>();
  user.totp_enabled = row[first + 4].as<bool>();
  user.disabled = row[first + 5].as<bool>();
  return user;
}

// One read-only round trip; every database failure becomes StoreUnavailable (fail closed).
template <typename Work>
auto lookup(ConnectionPool& pool, std::chrono::milliseconds wait, const char* what, Work&& work) {
  try {
    return pool.run(wait, [&](pqxx::connection& connection) {
      pqxx::read_transaction tx(connection, what);
      return work(tx);
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
                  return match;
                });
}

}  // namespace latchkey::db

// One transaction of the admin and token repositories: commits, and turns database errors
// into the repositories' own (db/errors.hpp), with messages that never quote a row.
#pragma once

#include <pqxx/connection_base>
#include <pqxx/except>
#include <pqxx/transaction>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/errors.hpp"

namespace latchkey::db {

// The server's one-line reason ("violates check constraint ..."), without DETAIL lines,
// which may quote whole rows (hashes, sealed secrets).
inline std::string primary_message(const std::exception& e) {
  std::string_view text = e.what();
  text = text.substr(0, text.find('\n'));
  if (text.starts_with("ERROR:")) text.remove_prefix(6);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return std::string(text);
}

// Runs `work(tx)` in one transaction and commits; database errors become the repository's.
template <typename Work>
auto in_transaction_once(pqxx::connection_base& connection, const char* name, Work& work) {
  try {
    pqxx::work tx(connection, name);
    if constexpr (std::is_void_v<std::invoke_result_t<Work&, pqxx::work&>>) {
      work(tx);
      tx.commit();
    } else {
      auto result = work(tx);
      tx.commit();
      return result;
    }
  } catch (const pqxx::check_violation& e) {
    throw InvalidValue("the database refused a value: " + primary_message(e));
  } catch (const pqxx::broken_connection& e) {
    throw auth::StoreUnavailable(std::string("lost the PostgreSQL connection during ") + name +
                                 ": " + scrub_message(e.what(), ""));
  } catch (const pqxx::in_doubt_error&) {
    throw auth::StoreUnavailable(std::string("the connection broke while committing ") + name +
                                 "; check whether the change was made");
  } catch (const pqxx::sql_error& e) {
    throw std::runtime_error(std::string("database error in ") + name + " (SQLSTATE " +
                             e.sqlstate() + "): " + primary_message(e));
  }
}

// A deadlock or serialization failure rolled the whole transaction back, and PostgreSQL asks
// the client to run it again (e.g. a refresh and a password change locking a user's token
// and account rows in opposite orders). `work` only talks to the database, so that is safe.
inline constexpr int kTransactionAttempts = 3;

template <typename Work>
auto in_transaction(pqxx::connection_base& connection, const char* name, Work&& work) {
  for (int attempt = 1;; ++attempt) {
    try {
      return in_transaction_once(connection, name, work);
    } catch (const pqxx::transaction_rollback& e) {
      if (attempt == kTransactionAttempts) {
        throw std::runtime_error(std::string("database error in ") + name + ", rolled back " +
                                 std::to_string(kTransactionAttempts) +
                                 " times: " + primary_message(e));
      }
    }
  }
}

}  // namespace latchkey::db

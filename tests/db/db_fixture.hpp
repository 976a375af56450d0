// A fresh, migrated database per test case, with one connection and an admin repository.
#pragma once

#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "auth/keyed_hash.hpp"
#include "db/admin_repository.hpp"
#include "db/connection.hpp"
#include "db/migrations.hpp"
#include "tests/support/pg_database.hpp"

namespace latchkey::db_test {

inline const std::string kPepper = "a test pepper that is at least thirty-two bytes long";

struct MigratedDatabase {
  test::PgDatabase database{"db"};
  std::unique_ptr<pqxx::connection> connection = db::open_connection(database.url());
  db::AdminRepository repository{*connection, "cli"};
  auth::KeyedHasher hasher{kPepper};

  MigratedDatabase() { db::apply_migrations(*connection); }

  // First column of the first row as an integer (counts, ids).
  std::int64_t number(const std::string& sql) {
    pqxx::nontransaction tx(*connection);
    return tx.exec1(sql)[0].as<std::int64_t>();
  }

  std::string text(const std::string& sql) {
    pqxx::nontransaction tx(*connection);
    const pqxx::row row = tx.exec1(sql);
    return row[0].is_null() ? "NULL" : row[0].as<std::string>();
  }

  void execute(const std::string& sql) {
    pqxx::nontransaction tx(*connection);
    tx.exec(sql);
  }

  auth::Digest digest_of(const std::string& canonical) const {
    return hasher.digest("app_password", canonical);
  }
};

}  // namespace latchkey::db_test

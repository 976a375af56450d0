#include <boost/test/unit_test.hpp>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "db/connection.hpp"
#include "db/migrations.hpp"
#include "tests/support/pg_database.hpp"

using namespace latchkey;

BOOST_AUTO_TEST_SUITE(migrations)

BOOST_AUTO_TEST_CASE(embedded_in_name_order) {
  const auto& migrations = db::embedded_migrations();
  BOOST_REQUIRE(!migrations.empty());
  BOOST_TEST(migrations.front().name == "0001_initial.sql");
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    BOOST_TEST((migrations[i - 1].name < migrations[i].name));  // as strings, not Boost.Test's size-first collection order
  }
}

BOOST_AUTO_TEST_CASE(apply_records_and_is_idempotent) {
  test::PgDatabase database("migrations");
  pqxx::connection connection(database.url());
  BOOST_TEST(db::pending_migrations(connection).size() == db::embedded_migrations().size());

  const auto first = db::apply_migrations(connection);
  BOOST_TEST(first.size() == db::embedded_migrations().size());
  BOOST_TEST(first.front() == "0001_initial.sql");
  BOOST_TEST(db::pending_migrations(connection).empty());

  const auto second = db::apply_migrations(connection);
  BOOST_TEST(second.empty());

  pqxx::nontransaction tx(connection);
  BOOST_TEST(tx.exec1("SELECT count(*) FROM schema_migrations")[0].as<std::size_t>() ==
             db::embedded_migrations().size());
  BOOST_TEST(tx.exec1("SELECT count(*) FROM schema_migrations WHERE name = '0001_initial.sql' "
                      "AND applied_at <= now()")[0]
                 .as<int>() == 1);
  for (const char* table : {"users", "app_passwords", "audit_events"}) {
    BOOST_TEST(tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", table)[0].as<bool>(), table);
  }
}

BOOST_AUTO_TEST_CASE(concurrent_processes_apply_once) {
  test::PgDatabase database("migrations_race");
  std::vector<std::vector<std::string>> applied(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < applied.size(); ++i) {
    threads.emplace_back([&, i] {
      pqxx::connection connection(database.url());
      applied[i] = db::apply_migrations(connection);
    });
  }
  for (auto& t : threads) t.join();
  std::size_t total = 0;
  for (const auto& names : applied) total += names.size();
  BOOST_TEST(total == db::embedded_migrations().size());
  BOOST_TEST(database.query_value("SELECT count(*) FROM schema_migrations") ==
             std::to_string(db::embedded_migrations().size()));
}

BOOST_AUTO_TEST_CASE(schema_keeps_secrets_out_of_text) {
  test::PgDatabase database("schema");
  pqxx::connection connection(database.url());
  db::apply_migrations(connection);
  pqxx::nontransaction tx(connection);
  // Keyed hashes and sealed secrets are bytea, never text that a dump would show as typed.
  BOOST_TEST(tx.exec1("SELECT data_type FROM information_schema.columns WHERE "
                      "table_name = 'app_passwords' AND column_name = 'hash'")[0]
                 .as<std::string>() == "bytea");
  BOOST_TEST(tx.exec1("SELECT data_type FROM information_schema.columns WHERE "
                      "table_name = 'users' AND column_name = 'totp_secret_sealed'")[0]
                 .as<std::string>() == "bytea");
}

BOOST_AUTO_TEST_SUITE_END()

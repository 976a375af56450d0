#include "db/migrations.hpp"

#include <pqxx/connection_base>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>

#include "db/statements.hpp"

namespace latchkey::db {
namespace {

std::set<std::string> applied_names(pqxx::transaction_base& tx) {
  std::set<std::string> names;
  for (const auto& row : tx.exec(sql::kAppliedMigrations)) names.insert(row[0].as<std::string>());
  return names;
}

}  // namespace

std::vector<std::string> apply_migrations(pqxx::connection_base& connection) {
  std::vector<std::string> applied;
  for (const Migration& migration : embedded_migrations()) {
    pqxx::work tx(connection, "migrate");
    // The lock comes first: two processes must not both find the table or a migration missing.
    tx.exec(sql::kLockMigrations);
    tx.exec(sql::kCreateSchemaMigrations);
    if (applied_names(tx).contains(migration.name)) continue;
    tx.exec(migration.sql, "migration " + migration.name);
    tx.exec_params0(sql::kRecordMigration, migration.name);
    tx.commit();
    applied.push_back(migration.name);
  }
  return applied;
}

std::vector<std::string> pending_migrations(pqxx::connection_base& connection) {
  pqxx::read_transaction tx(connection, "pending_migrations");
  std::set<std::string> done;
  if (tx.exec1(sql::kMigrationsTableExists)[0].as<bool>()) done = applied_names(tx);
  std::vector<std::string> pending;
  for (const Migration& migration : embedded_migrations()) {
    if (!done.contains(migration.name)) pending.push_back(migration.name);
  }
  return pending;
}

}  // namespace latchkey::db

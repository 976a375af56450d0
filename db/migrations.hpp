// Schema migrations: plain SQL files in db/migrations/, compiled into the binary, applied in
// name order, each in its own transaction, recorded in schema_migrations.
#pragma once

#include <string>
#include <vector>

namespace pqxx {
class connection_base;  // pqxx::connection is an alias of a class template, not declarable
}

namespace latchkey::db {

struct Migration {
  std::string name;  // file name, e.g. "0001_initial.sql"
  std::string sql;
};

const std::vector<Migration>& embedded_migrations();

// Applies every migration not yet recorded; returns the names applied (empty when up to
// date). Serialised by an advisory lock so two processes starting together do not race.
std::vector<std::string> apply_migrations(pqxx::connection_base& connection);

// Names of embedded migrations not yet recorded (all of them on an empty database).
std::vector<std::string> pending_migrations(pqxx::connection_base& connection);

}  // namespace latchkey::db

// latchkey migrate: applies the SQL migrations compiled into the binary.
#include <ostream>
#include <pqxx/except>

#include "app/cli_arguments.hpp"
#include "app/commands.hpp"
#include "db/connection.hpp"
#include "db/migrations.hpp"

namespace latchkey::app {
namespace {

constexpr std::string_view kUsage = R"(usage: latchkey [--config FILE] migrate

Applies every database migration not yet applied, each in its own transaction.
Safe to run again, and from several hosts at once.
)";

}  // namespace

int command_migrate(Invocation& invocation) {
  const CliArguments arguments(invocation.args, {});
  if (arguments.help()) {
    invocation.out << kUsage;
    return kExitOk;
  }
  arguments.positionals({});
  const config::Config config = load_invocation_config(invocation);
  const auto connection = db::open_connection(config.database.url);
  std::vector<std::string> applied;
  try {
    applied = db::apply_migrations(*connection);
  } catch (const pqxx::failure& e) {
    // Only the failing migration was rolled back; those before it stay applied.
    throw std::runtime_error("migration failed: " +
                             db::scrub_message(e.what(), config.database.url));
  }
  for (const std::string& name : applied) invocation.out << "applied " << name << "\n";
  if (applied.empty()) invocation.out << "database schema is up to date\n";
  return kExitOk;
}

}  // namespace latchkey::app

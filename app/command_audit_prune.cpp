// latchkey audit prune [--older-than DURATION]: deletes old audit events, as `latchkey serve`
// does hourly, for deployments where no serve runs or that keep events forever.
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "app/admin_context.hpp"
#include "app/cli_arguments.hpp"
#include "app/commands.hpp"
#include "db/audit_log.hpp"
#include "db/text.hpp"

namespace latchkey::app {
namespace {

constexpr std::string_view kUsage =
    R"(usage: latchkey [--config FILE] audit prune [--older-than DURATION]

Deletes the audit events older than DURATION, 10000 per transaction, and prints how many.
`latchkey serve` does this every hour with audit.retention (default 365d).

  --older-than DURATION  a whole number and s, m, h or d, from 1s to 3650d (90d);
                         default: audit.retention
)";

std::string describe(std::chrono::milliseconds age) {
  static constexpr std::pair<char, std::int64_t> kUnits[] = {
      {'d', 86'400'000}, {'h', 3'600'000}, {'m', 60'000}, {'s', 1'000}};
  for (const auto& [unit, ms] : kUnits) {
    if (age.count() % ms == 0) return std::to_string(age.count() / ms) + unit;
  }
  return std::to_string(age.count()) + "ms";
}

}  // namespace

int command_audit_prune(Invocation& invocation) {
  const CliArguments arguments(invocation.args, {{"--older-than", true}});
  if (arguments.help()) {
    invocation.out << kUsage;
    return kExitOk;
  }
  arguments.positionals({});
  std::optional<std::chrono::milliseconds> older_than;
  if (const auto text = arguments.value("--older-than")) {
    older_than = config::parse_lifetime(*text);
    if (!older_than) {
      throw UsageError("--older-than \"" + db::sanitize_text(*text, 200) +
                       "\" is not a duration: a whole number and s, m, h or d, from 1s to "
                       "3650d, like 90d");
    }
  }
  const config::Config config = load_invocation_config(invocation);
  if (!older_than) older_than = config.audit.retention;
  if (!older_than) {
    throw UsageError("audit.retention is never (keep forever) in " + config.source +
                     "; give --older-than to delete events all the same");
  }
  const auto connection = connect_migrated(config);
  const std::size_t deleted = db::prune_audit_events(*connection, *older_than);
  invocation.out << "deleted " << deleted << (deleted == 1 ? " audit event" : " audit events")
                 << " older than " << describe(*older_than) << "\n";
  return kExitOk;
}

}  // namespace latchkey::app

#include <ostream>

#include "app/cli_arguments.hpp"
#include "app/commands.hpp"

namespace latchkey::app {

// Validates without starting anything; problems (with key path and line) propagate as
// config::ConfigError and main prints them.
int command_check_config(Invocation& invocation) {
  const CliArguments arguments(invocation.args, {});
  if (arguments.help()) {
    invocation.out << "usage: latchkey [--config FILE] check-config\n"
                      "Validates the configuration file and prints what is wrong.\n";
    return kExitOk;
  }
  arguments.positionals({});
  const config::Config config = load_invocation_config(invocation);
  invocation.out << config.source << ": OK (" << config.listen.size() << " listener"
                 << (config.listen.size() == 1 ? "" : "s") << ", " << config.routes.size()
                 << " route" << (config.routes.size() == 1 ? "" : "s") << ")\n";
  return kExitOk;
}

}  // namespace latchkey::app

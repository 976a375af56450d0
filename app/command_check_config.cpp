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
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    if (config.routes[i].upstream.tls_insecure_skip_verify) {
      invocation.err << "warning: routes[" << i << "].upstream.tls_insecure_skip_verify: the "
                     << "certificate of " << config.routes[i].upstream.host
                     << " is not verified; anyone on the path can read and change that traffic\n";
    }
  }
  return kExitOk;
}

}  // namespace latchkey::app

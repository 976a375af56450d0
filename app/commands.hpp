// The `latchkey` subcommands. main.cpp parses the global options and dispatches here.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace latchkey::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command was understood but failed
inline constexpr int kExitUsage = 2;    // bad arguments: nothing was attempted

struct Invocation {
  std::optional<std::string> config_path;  // --config, else $LATCHKEY_CONFIG
  std::vector<std::string> args;           // everything after the subcommand name
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

// Thrown by commands for bad arguments; main prints "latchkey: <what>" and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Loads the config named by --config or LATCHKEY_CONFIG; throws UsageError when neither is
// given and config::ConfigError when the file is bad.
config::Config load_invocation_config(const Invocation& invocation);

int command_serve(Invocation& invocation);
int command_check_config(Invocation& invocation);
int command_migrate(Invocation& invocation);
int command_user(Invocation& invocation);
int command_totp(Invocation& invocation);
int command_app_password(Invocation& invocation);
int command_audit(Invocation& invocation);
int command_audit_prune(Invocation& invocation);  // `audit prune`, dispatched by command_audit
int command_token(Invocation& invocation);

}  // namespace latchkey::app

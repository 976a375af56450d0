// latchkey [--config FILE] SUBCOMMAND [ARGS...]
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "app/commands.hpp"
#include "config/config.hpp"

namespace {

constexpr std::string_view kUsage = R"(usage: latchkey [--config FILE] SUBCOMMAND [ARGS...]

The config file may also be named by $LATCHKEY_CONFIG.

subcommands:
  serve                                    run the proxy
  check-config                             validate the config file and exit
  migrate                                  apply database migrations
  user add|list|disable|passwd ...         manage accounts
  totp enable|confirm|disable ...          manage two-factor authentication
  app-password new|list|revoke ...         manage application passwords
  token new|list|revoke ...                manage permanent tokens
  audit [USER] [--since WHEN] [--json]     print audit events
  audit prune [--older-than DURATION]      delete old audit events

Run `latchkey SUBCOMMAND --help` for the arguments of one subcommand.
)";

using Command = int (*)(latchkey::app::Invocation&);

Command find_command(std::string_view name) {
  using namespace latchkey::app;
  if (name == "serve") return &command_serve;
  if (name == "check-config") return &command_check_config;
  if (name == "migrate") return &command_migrate;
  if (name == "user") return &command_user;
  if (name == "totp") return &command_totp;
  if (name == "app-password") return &command_app_password;
  if (name == "audit") return &command_audit;
  if (name == "token") return &command_token;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace latchkey::app;
  Invocation invocation{std::nullopt, {}, std::cin, std::cout, std::cerr};
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        std::cerr << "latchkey: --config needs a file name\n";
        return kExitUsage;
      }
      invocation.config_path = argv[++i];
    } else if (arg.starts_with("--config=")) {
      invocation.config_path = std::string(arg.substr(std::strlen("--config=")));
    } else if (arg.starts_with("-")) {
      std::cerr << "latchkey: unknown option " << arg << "\n" << kUsage;
      return kExitUsage;
    } else {
      break;
    }
  }
  if (i >= argc) {
    std::cerr << "latchkey: missing subcommand\n" << kUsage;
    return kExitUsage;
  }
  const std::string_view name = argv[i];
  Command command = find_command(name);
  if (command == nullptr) {
    std::cerr << "latchkey: unknown subcommand \"" << name << "\"\n" << kUsage;
    return kExitUsage;
  }
  invocation.args.assign(argv + i + 1, argv + argc);
  try {
    return command(invocation);
  } catch (const UsageError& e) {
    std::cerr << "latchkey " << name << ": " << e.what() << "\n";
    return kExitUsage;
  } catch (const latchkey::config::ConfigError& e) {
    std::cerr << "latchkey " << name << ": invalid configuration:\n" << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "latchkey " << name << ": " << e.what() << "\n";
    return kExitFailure;
  }
}

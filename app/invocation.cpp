#include <cstdlib>

#include "app/commands.hpp"

namespace latchkey::app {

config::Config load_invocation_config(const Invocation& invocation) {
  std::string path;
  if (invocation.config_path) {
    path = *invocation.config_path;
  } else if (const char* env = std::getenv("LATCHKEY_CONFIG"); env != nullptr && *env != '\0') {
    path = env;
  } else {
    throw UsageError("no configuration: pass --config FILE or set LATCHKEY_CONFIG");
  }
  return config::load_config(path);
}

}  // namespace latchkey::app

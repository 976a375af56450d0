// What a configuration reload (SIGHUP) may change while serving. Routes and the per-request
// limits take effect at once; the rest was built into long-lived objects at start-up
// (sockets, pools, keys, caches) and keeps its running value until a restart.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace latchkey::config {

struct ReloadPlan {
  Config effective;                        // the new file, restart-only settings as running
  std::vector<std::string> needs_restart;  // key paths that changed but cannot yet
};

ReloadPlan plan_reload(const Config& running, Config next);

}  // namespace latchkey::config

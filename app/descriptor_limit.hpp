// The open-file limit of `latchkey serve`.
#pragma once

#include <cstdint>

namespace latchkey::app {

// Raises the soft RLIMIT_NOFILE to the hard one, as nginx (worker_rlimit_nofile) and HAProxy
// (ulimit-n) do: the usual soft limit, 1024, runs out at ~250 connections, far below
// server.max_connections. Returns the soft limit in force afterwards.
std::uint64_t raise_descriptor_limit();

}  // namespace latchkey::app

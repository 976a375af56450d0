// How many connections a process's open-file limit carries. Pure arithmetic.
#pragma once

#include <cstdint>

namespace latchkey::proxy {

// An open connection may hold four descriptors: the client's, the upstream's and a splice
// pipe's two ends. Listeners, the database pool, the log and the resolver need some besides.
inline constexpr std::uint64_t kDescriptorsPerConnection = 4;
inline constexpr std::uint64_t kReservedDescriptors = 128;

// Connections that `descriptor_limit` (RLIMIT_NOFILE) carries without running out.
constexpr std::uint64_t connections_within(std::uint64_t descriptor_limit) {
  if (descriptor_limit <= kReservedDescriptors) return 0;
  return (descriptor_limit - kReservedDescriptors) / kDescriptorsPerConnection;
}

}  // namespace latchkey::proxy

// How many connections a process's open-file limit carries. Pure arithmetic.
#pragma once

#include <cstdint>

namespace latchkey::proxy {

// An open connection holds two descriptors: the client's and the upstream's. Listeners, the
// database pool, the log and the resolver need some besides.
inline constexpr std::uint64_t kDescriptorsPerConnection = 2;
inline constexpr std::uint64_t kReservedDescriptors = 128;

// Connections that `descriptor_limit` (RLIMIT_NOFILE) carries without running out, when the
// upstream pools may keep `pooled` idle connections besides (they outlive their clients).
constexpr std::uint64_t connections_within(std::uint64_t descriptor_limit,
                                           std::uint64_t pooled = 0) {
  const std::uint64_t reserved = kReservedDescriptors + pooled;
  if (descriptor_limit <= reserved) return 0;
  return (descriptor_limit - reserved) / kDescriptorsPerConnection;
}

}  // namespace latchkey::proxy

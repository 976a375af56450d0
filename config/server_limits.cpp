// Limits on what clients may hold open or send: `server.max_*`, `server.drain_timeout` and a
// route's `limits:`.
#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr Duration kPositive{1};
// Beyond a few thousand fields a head is an attack; below 10 ordinary clients break.
constexpr long long kMinHeaderCount = 10;
constexpr long long kMaxHeaderCount = 10'000;
// A limit of 1 is valid (every response closes); above this the descriptor limit binds first.
constexpr long long kMaxConnections = 1'000'000;
constexpr long long kMaxRequestsPerConnection = 1'000'000;
constexpr long long kMaxBodyBytes = 1LL << 50;  // 1 PiB: "unlimited" is expressed by omission

}  // namespace

void read_server_limits(Reader& reader, const MapView& map, Server& server) {
  if (const auto f = map.get("max_header_count")) {
    assign(server.max_header_count, reader.integer(*f, kMinHeaderCount, kMaxHeaderCount));
  }
  if (const auto f = map.get("max_connections")) {
    assign(server.max_connections, reader.integer(*f, 1, kMaxConnections));
  }
  if (const auto f = map.get("max_requests_per_connection")) {
    assign(server.max_requests_per_connection, reader.integer(*f, 1, kMaxRequestsPerConnection));
  }
  if (const auto f = map.get("drain_timeout")) {
    assign(server.drain_timeout, reader.duration(*f, kPositive));
  }
}

RouteLimits read_route_limits(Reader& reader, const Field& field) {
  RouteLimits limits;
  const auto map = reader.map(field, {"max_body_bytes"});
  if (!map) return limits;
  if (const auto f = map->get("max_body_bytes")) {
    if (const auto bytes = reader.integer(*f, 0, kMaxBodyBytes)) {
      limits.max_body_bytes = static_cast<std::uint64_t>(*bytes);
    }
  }
  return limits;
}

}  // namespace latchkey::config::detail

// The sections made only of scalar settings: database, server and cache.
#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr Duration kPositive{1};
constexpr Duration kZeroAllowed{0};
// Below 1 KiB ordinary browsers fail; above 1 MiB a header flood costs real memory.
constexpr long long kMinHeaderBytes = 1024;
constexpr long long kMaxHeaderBytes = 1024LL * 1024;
// Revocations reach the cache as change notifications; one lost while the listen connection
// is down leaves a revoked credential working from the cache until its entry expires.
constexpr DurationLimit kMaxCacheTtl{
    Duration{60 * 60 * 1000}, "1h",
    "; a long ttl delays revocation when the credential change notification cannot be "
    "delivered"};

}  // namespace

Database read_database(Reader& reader, const MapView& root) {
  Database database;
  const auto field = root.require("database");
  const auto map =
      field ? reader.map(*field, {"url", "pool_size", "migrate_on_start"}) : std::nullopt;
  if (!map) return database;
  if (const auto url = map->require("url")) {
    // The URL may carry a password, so no message here ever quotes it.
    if (auto text = reader.text(*url)) {
      if (text->empty()) reader.report(*url, "must not be empty");
      database.url = std::move(*text);
    }
  }
  if (const auto f = map->get("pool_size")) assign(database.pool_size, reader.integer(*f, 1, 1000));
  if (const auto f = map->get("migrate_on_start")) {
    assign(database.migrate_on_start, reader.boolean(*f));
  }
  return database;
}

Server read_server(Reader& reader, const MapView& root) {
  Server server;
  const auto field = root.get("server");
  const auto map =
      field ? reader.map(*field, {"threads", "header_timeout", "idle_timeout", "body_timeout",
                                  "max_header_bytes", "verify_workers", "verify_queue",
                                  "max_header_count", "max_connections",
                                  "max_requests_per_connection", "drain_timeout"})
            : std::nullopt;
  if (!map) return server;
  if (const auto f = map->get("threads")) assign(server.threads, reader.integer(*f, 0, 1024));
  if (const auto f = map->get("header_timeout")) {
    assign(server.header_timeout, reader.duration(*f, kPositive));
  }
  if (const auto f = map->get("idle_timeout")) {
    assign(server.idle_timeout, reader.duration(*f, kPositive));
  }
  if (const auto f = map->get("body_timeout")) {
    assign(server.body_timeout, reader.duration(*f, kPositive));
  }
  if (const auto f = map->get("max_header_bytes")) {
    assign(server.max_header_bytes, reader.integer(*f, kMinHeaderBytes, kMaxHeaderBytes));
  }
  if (const auto f = map->get("verify_workers")) {
    assign(server.verify_workers, reader.integer(*f, 1, 1024));
  }
  if (const auto f = map->get("verify_queue")) {
    assign(server.verify_queue, reader.integer(*f, 1, 1'000'000));
  }
  read_server_limits(reader, *map, server);
  return server;
}

Cache read_cache(Reader& reader, const MapView& root) {
  Cache cache;
  const auto field = root.get("cache");
  const auto map =
      field ? reader.map(*field, {"ttl", "max_entries", "ttl_unsynced"}) : std::nullopt;
  if (!map) return cache;
  // A ttl of 0s turns the cache off: every request asks the database.
  if (const auto f = map->get("ttl")) {
    assign(cache.ttl, reader.duration(*f, kZeroAllowed, kMaxCacheTtl));
  }
  if (const auto f = map->get("max_entries")) {
    assign(cache.max_entries, reader.integer(*f, 0, 100'000'000));
  }
  // May exceed ttl: the proxy uses the smaller of the two. 0s: no cache while unsynced.
  if (const auto f = map->get("ttl_unsynced")) {
    assign(cache.ttl_unsynced, reader.duration(*f, kZeroAllowed, kMaxCacheTtl));
  }
  return cache;
}

}  // namespace latchkey::config::detail

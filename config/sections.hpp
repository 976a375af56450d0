// One reader per top-level section of the config file; parse_config() runs them all.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace latchkey::config::detail {

std::vector<Listener> read_listeners(Reader& reader, const MapView& root,
                                     const std::string& base_dir);
std::optional<Admin> read_admin(Reader& reader, const MapView& root,
                                const std::vector<Listener>& listeners);
Database read_database(Reader& reader, const MapView& root);
Secrets read_secrets(Reader& reader, const MapView& root, const std::string& base_dir);
Server read_server(Reader& reader, const MapView& root);
// The connection limits and the drain deadline of `server:` (server_limits.cpp).
void read_server_limits(Reader& reader, const MapView& map, Server& server);
Cache read_cache(Reader& reader, const MapView& root);
BruteForce read_brute_force(Reader& reader, const MapView& root);
std::vector<Route> read_routes(Reader& reader, const MapView& root, const std::string& base_dir);
OAuth read_oauth(Reader& reader, const MapView& root, const std::string& base_dir);

// A secret given as `<name>_file` (path) or `<name>` (value, normally "${ENV}"): exactly one.
std::optional<std::string> read_secret_reference(Reader& reader, const MapView& map,
                                                 const std::string& name,
                                                 const std::string& base_dir);
// RFC 6749 §3.3 scope tokens, each checked; reports problems at the items.
std::vector<std::string> read_scope_list(Reader& reader, const Field& field);
SelfService read_self_service(Reader& reader, const MapView& root);
Audit read_audit(Reader& reader, const MapView& root);

// A path prefix that requests are matched against as they are routed (decoded, merged).
std::optional<std::string> read_path_prefix(Reader& reader, const Field& field);

// Parts of one route, each in its own file.
Upstream read_upstream(Reader& reader, const Field& field, const std::string& base_dir);
RouteAuth read_route_auth(Reader& reader, const Field& field);
// A header name that can carry an identity (see identity_header_conflict); "" after reporting.
std::string read_identity_header(Reader& reader, const Field& field);
void read_forward(Reader& reader, const Field& field, Route& route, const std::string& base_dir);
Assertion read_assertion(Reader& reader, const Field& field, const Route& route,
                         const std::string& base_dir);
RouteLimits read_route_limits(Reader& reader, const Field& field);

}  // namespace latchkey::config::detail

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/sections.hpp"
#include "config/yaml_reader.hpp"

namespace latchkey::config {

Config parse_config(const std::string& yaml_text, const std::string& source_name,
                    const std::string& base_dir, EnvLookup env) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    const std::string line =
        e.mark.is_null() ? "" : " (line " + std::to_string(e.mark.line + 1) + ")";
    throw ConfigError({source_name + ": invalid YAML: " + e.msg + line});
  }
  if (root.IsNull()) throw ConfigError({source_name + ": the configuration is empty"});

  detail::Reader reader(source_name, env);
  Config config;
  config.source = source_name;
  const auto sections = reader.map(
      detail::Field{root, ""},
      {"listen", "admin", "database", "secrets", "server", "cache", "brute_force", "routes",
       "oauth", "self_service", "audit"});
  if (sections) {
    config.listen = detail::read_listeners(reader, *sections, base_dir);
    config.admin = detail::read_admin(reader, *sections, config.listen);
    config.database = detail::read_database(reader, *sections);
    config.secrets = detail::read_secrets(reader, *sections, base_dir);
    config.server = detail::read_server(reader, *sections);
    config.cache = detail::read_cache(reader, *sections);
    config.brute_force = detail::read_brute_force(reader, *sections);
    config.routes = detail::read_routes(reader, *sections, base_dir);
    config.oauth = detail::read_oauth(reader, *sections, base_dir);
    config.self_service = detail::read_self_service(reader, *sections);
    config.audit = detail::read_audit(reader, *sections);
  }
  if (!reader.ok()) throw ConfigError(reader.problems());
  return config;
}

}  // namespace latchkey::config

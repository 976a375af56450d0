#include <cstring>
#include <filesystem>

#include "config/config.hpp"
#include "config/values.hpp"

namespace latchkey::config {

Config load_config(const std::string& path, EnvLookup env) {
  int error = 0;
  const auto text = detail::read_whole_file(path, error);
  if (!text) throw ConfigError({path + ": cannot read: " + std::strerror(error)});
  // Absolute, so relative *_file paths still resolve after a reload from another directory.
  std::error_code ignored;
  const auto absolute = std::filesystem::absolute(path, ignored);
  const std::string base_dir = absolute.empty() ? std::string() : absolute.parent_path().string();
  return parse_config(*text, path, base_dir, env);
}

}  // namespace latchkey::config

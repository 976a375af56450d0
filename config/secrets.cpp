// Reads the pepper and the TOTP key. No message in this file may contain secret material.
#include <cstring>

#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr std::size_t kMinPepperBytes = 32;  // HMAC-SHA-256 key strength

// The raw material of one secret and the key it came from, for messages.
struct SecretSource {
  std::string material;
  Field field;
};

// Exactly one of `<name>_file` and `<name>` must be set.
std::optional<SecretSource> read_secret(Reader& reader, const MapView& map, const std::string& name,
                                        const std::string& base_dir) {
  const std::string file_key = name + "_file";
  const auto file = map.get(file_key);
  const auto inline_value = map.get(name);
  if (file && inline_value) {
    reader.report(*inline_value, "conflicts with " + file->path + "; give exactly one of them");
    return std::nullopt;
  }
  if (!file && !inline_value) {
    reader.report(map.field(), "one of " + file_key + " or " + name + " is required");
    return std::nullopt;
  }
  if (inline_value) {
    auto value = reader.text(*inline_value);
    if (!value) return std::nullopt;
    return SecretSource{std::move(*value), *inline_value};
  }
  const auto path = reader.text(*file);
  if (!path) return std::nullopt;
  if (path->empty()) {
    reader.report(*file, "must not be empty");
    return std::nullopt;
  }
  const auto resolved = resolve_path(base_dir, *path);
  int error = 0;
  auto contents = read_whole_file(resolved, error, kMaxSecretFileBytes);
  if (!contents) {
    reader.report(*file, "cannot read " + quote(resolved) + ": " + std::strerror(error));
    return std::nullopt;
  }
  return SecretSource{std::move(*contents), *file};
}

}  // namespace

std::optional<std::string> read_secret_reference(Reader& reader, const MapView& map,
                                                 const std::string& name,
                                                 const std::string& base_dir) {
  auto source = read_secret(reader, map, name, base_dir);
  if (!source) return std::nullopt;
  return std::string(trim_trailing_space(source->material));
}

Secrets read_secrets(Reader& reader, const MapView& root, const std::string& base_dir) {
  Secrets secrets;
  const auto field = root.require("secrets");
  const auto map = field
                       ? reader.map(*field, {"pepper_file", "pepper", "totp_key_file", "totp_key"})
                       : std::nullopt;
  if (!map) return secrets;

  if (auto pepper = read_secret(reader, *map, "pepper", base_dir)) {
    const auto trimmed = trim_trailing_space(pepper->material);
    if (trimmed.size() < kMinPepperBytes) {
      reader.report(pepper->field, "the pepper must be at least 32 bytes long");
    } else {
      secrets.pepper = std::string(trimmed);
    }
  }
  if (auto totp_key = read_secret(reader, *map, "totp_key", base_dir)) {
    if (auto key = decode_totp_key(totp_key->material)) {
      secrets.totp_key = std::move(*key);
    } else {
      reader.report(totp_key->field, "the TOTP key must be 64 hex characters or exactly 32 bytes");
    }
  }
  return secrets;
}

}  // namespace latchkey::config::detail

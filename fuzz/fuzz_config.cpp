// libFuzzer target: any bytes as a config file. parse_config either returns a Config or
// throws ConfigError; any other exception or a crash is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace {
// Every ${NAME} resolves, so the fuzzer reaches the checks behind the expansion.
std::optional<std::string> fixed_env(const std::string& name) {
  if (name == "UNSET") return std::nullopt;
  return "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    (void)latchkey::config::parse_config(yaml, "fuzz.yaml", "/nonexistent-fuzz-dir", &fixed_env);
  } catch (const latchkey::config::ConfigError&) {
    // the expected refusal
  }
  return 0;
}

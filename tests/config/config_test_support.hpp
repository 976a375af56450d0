// Shared helpers for the config suites: an injected environment and problem capture.
#pragma once

#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace latchkey::config::test {

// 40 bytes: comfortably above the 32-byte minimum.
inline const std::string kPepper = "pepper-0123456789-0123456789-0123456789";
inline const std::string kTotpHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// EnvLookup is a plain function pointer, so the fake environment lives in a global.
inline std::map<std::string, std::string>& fake_env() {
  static std::map<std::string, std::string> env;
  return env;
}

inline std::optional<std::string> lookup_fake_env(const std::string& name) {
  const auto it = fake_env().find(name);
  if (it == fake_env().end()) return std::nullopt;
  return it->second;
}

// Resets the fake environment to the variables every valid test config uses.
struct FakeEnvFixture {
  FakeEnvFixture() { fake_env() = {{"PEPPER", kPepper}, {"TOTP_KEY", kTotpHex}}; }
};

// Lines 1-3 of most test configs; what follows starts at line 4.
inline const std::string kHead =
    "listen: [{address: \"127.0.0.1:8080\"}]\n"
    "database: {url: \"postgres://db/latchkey\"}\n"
    "secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\"}\n";

// One line: a valid route.
inline const std::string kRoutes =
    "routes: [{name: app, upstream: {url: \"http://127.0.0.1:9000\"}}]\n";

inline Config parse(const std::string& yaml) {
  return parse_config(yaml, "test.yaml", "/etc/latchkey", &lookup_fake_env);
}

// The problems parse() reports; an empty list (and a test failure) when it accepts the text.
inline std::vector<std::string> problems_of(const std::string& yaml,
                                            const std::string& base_dir = "/etc/latchkey") {
  try {
    parse_config(yaml, "test.yaml", base_dir, &lookup_fake_env);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  BOOST_ERROR("expected a ConfigError for:\n" << yaml);
  return {};
}

}  // namespace latchkey::config::test

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/config/config_test_support.hpp"
#include "tests/config/temp_dir.hpp"

using namespace latchkey::config;
using namespace latchkey::config::test;

namespace {

// Lines 1-2; the secrets section follows on line 3, routes after it.
const std::string kBefore =
    "listen: [{address: \"127.0.0.1:8080\"}]\n"
    "database: {url: \"postgres://db/latchkey\"}\n";

std::string with_secrets(const std::string& secrets) {
  return kBefore + secrets + kRoutes;
}

// 32 raw bytes ending in '\n' and ' ': trimming would corrupt them.
std::string raw_key_ending_in_whitespace() {
  std::string key;
  for (int i = 0; i < 30; ++i) key.push_back(static_cast<char>(0x80 + i));
  return key + " \n";
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(secrets, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(files_resolve_relative_to_the_config_directory) {
  const TempDir dir;
  dir.write("pepper", kPepper + "\n\n");
  dir.write("keys/totp.key", kTotpHex + "\r\n");
  const std::string yaml =
      with_secrets("secrets: {pepper_file: pepper, totp_key_file: keys/../keys/totp.key}\n");

  const Config config = parse_config(yaml, "test.yaml", dir.path().string(), &lookup_fake_env);
  BOOST_TEST(config.secrets.pepper == kPepper);  // trailing newlines trimmed
  BOOST_TEST_REQUIRE(config.secrets.totp_key.size() == 32u);
  for (std::size_t i = 0; i < 32; ++i) {
    BOOST_TEST(static_cast<unsigned char>(config.secrets.totp_key[i]) == i);
  }
}

BOOST_AUTO_TEST_CASE(load_config_uses_the_directory_of_the_file) {
  const TempDir dir;
  dir.write("etc/pepper", kPepper);
  dir.write("etc/totp.key", raw_key_ending_in_whitespace());
  const auto path =
      dir.write("etc/latchkey.yaml",
                with_secrets("secrets: {pepper_file: pepper, totp_key_file: totp.key}\n"));

  const Config config = load_config(path, &lookup_fake_env);
  BOOST_TEST(config.source == path);
  BOOST_TEST(config.secrets.pepper == kPepper);
  BOOST_TEST(config.secrets.totp_key == raw_key_ending_in_whitespace());
}

BOOST_AUTO_TEST_CASE(absolute_paths_ignore_the_base_directory) {
  const TempDir dir;
  const auto pepper = dir.write("p", kPepper);
  const auto totp = dir.write("t", kTotpHex);
  const Config config = parse_config(
      with_secrets("secrets: {pepper_file: \"" + pepper + "\", totp_key_file: \"" + totp + "\"}\n"),
      "test.yaml", "/nonexistent", &lookup_fake_env);
  BOOST_TEST(config.secrets.pepper == kPepper);
  BOOST_TEST(config.secrets.totp_key.size() == 32u);
}

BOOST_AUTO_TEST_CASE(a_raw_32_byte_key_with_a_trailing_newline_is_trimmed) {
  fake_env()["RAW_KEY"] = std::string(32, 'k') + "\n";
  const Config config =
      parse(with_secrets("secrets: {pepper: \"${PEPPER}\", totp_key: \"${RAW_KEY}\"}\n"));
  BOOST_TEST(config.secrets.totp_key == std::string(32, 'k'));
}

BOOST_AUTO_TEST_CASE(a_pepper_from_the_environment_is_trimmed) {
  fake_env()["PEPPER"] = kPepper + "  \n";
  const Config config = parse(kHead + kRoutes);
  BOOST_TEST(config.secrets.pepper == kPepper);
}

BOOST_AUTO_TEST_CASE(unreadable_files_name_the_resolved_path_and_the_reason) {
  const TempDir dir;
  dir.write("keys/placeholder", "");
  const std::string yaml =
      with_secrets("secrets:\n  pepper_file: missing-pepper\n  totp_key_file: keys\n");
  const auto base = dir.path().string();
  const std::vector<std::string> expected = {
      "secrets.pepper_file: cannot read \"" + base +
          "/missing-pepper\": No such file or directory (line 4)",
      "secrets.totp_key_file: cannot read \"" + base + "/keys\": Is a directory (line 5)",
  };
  BOOST_TEST(problems_of(yaml, base) == expected, boost::test_tools::per_element());
}

// Found while writing fuzz/fuzz_config.cpp: a secret file that never ends was read until
// memory ran out.
BOOST_AUTO_TEST_CASE(endless_or_huge_secret_files_are_refused_not_read_to_the_end) {
  const TempDir dir;
  dir.write("pepper", std::string(64 * 1024 + 1, 'p'));
  const std::string yaml =
      with_secrets("secrets:\n  pepper_file: pepper\n  totp_key_file: /dev/zero\n");
  const auto base = dir.path().string();
  const std::vector<std::string> expected = {
      "secrets.pepper_file: cannot read \"" + base + "/pepper\": File too large (line 4)",
      "secrets.totp_key_file: cannot read \"/dev/zero\": File too large (line 5)",
  };
  BOOST_TEST(problems_of(yaml, base) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(short_or_malformed_file_contents_are_rejected) {
  const TempDir dir;
  dir.write("pepper", "too-short\n");
  dir.write("totp.key", std::string(64, 'Z'));
  const std::string yaml =
      with_secrets("secrets:\n  pepper_file: pepper\n  totp_key_file: totp.key\n");
  const std::vector<std::string> expected = {
      "secrets.pepper_file: the pepper must be at least 32 bytes long (line 4)",
      "secrets.totp_key_file: the TOTP key must be 64 hex characters or exactly 32 bytes (line 5)",
  };
  BOOST_TEST(problems_of(yaml, dir.path().string()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(secret_values_never_appear_in_errors) {
  const TempDir dir;
  dir.write("pepper", "file-pepper-QUUX");
  fake_env()["SHORT_PEPPER"] = "env-pepper-XYZZY";
  fake_env()["BAD_TOTP"] = "env-totp-PLUGH";
  fake_env()["DB_PASSWORD"] = "db-password-FROB";

  // Every secret is wrong in a way that produces a message next to it.
  const std::string inline_yaml =
      "listen: [{address: \"127.0.0.1:8080\"}]\n"
      "database: {url: \"postgres://lk:${DB_PASSWORD}@db/lk\", pool_size: \"${DB_PASSWORD}\"}\n"
      "secrets: {pepper: \"${SHORT_PEPPER}\", totp_key: \"${BAD_TOTP}\"}\n"
      "routes: [{name: app, upstream: {url: \"http://alice:upstream-pass-GRUE@x\"}}]\n";
  const std::string file_yaml =
      "listen: [{address: \"127.0.0.1:8080\"}]\n"
      "database: {url: \"postgres://lk:db-password-FROB@db/lk\"}\n"
      "secrets: {pepper_file: pepper, totp_key: \"inline-totp-WIBBLE\"}\n"
      "routes: [{name: app, upstream: {url: \"http://x\"}}]\n";

  const std::vector<std::string> secrets = {"QUUX", "XYZZY", "PLUGH", "GRUE", "WIBBLE", "FROB"};
  for (const auto& yaml : {inline_yaml, file_yaml}) {
    std::string message;
    try {
      parse_config(yaml, "test.yaml", dir.path().string(), &lookup_fake_env);
      BOOST_FAIL("accepted invalid secrets");
    } catch (const ConfigError& e) {
      message = e.what();
    }
    BOOST_TEST_CONTEXT(message) {
      BOOST_TEST(message.find("secrets.pepper") != std::string::npos);
      BOOST_TEST(message.find("secrets.totp_key") != std::string::npos);
      for (const auto& secret : secrets) BOOST_TEST(message.find(secret) == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(values_from_the_environment_are_shown_as_written) {
  fake_env()["UPSTREAM"] = "htp://api-key-SECRET@backend";
  BOOST_TEST(problems_of(kHead + "routes: [{name: app, upstream: {url: \"${UPSTREAM}\"}}]\n") ==
                 std::vector<std::string>{
                     R"(routes[0].upstream.url: "${UPSTREAM}" is not an http(s) URL (line 4))"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

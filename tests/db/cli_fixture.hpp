// The real `latchkey` binary run as an operator runs it: a fresh database, and a config file
// and secrets in a temporary directory. Shared by the CLI suites.
#pragma once

#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/pg_database.hpp"
#include "tests/support/process.hpp"
#include "tests/support/text.hpp"

namespace latchkey::cli_test {

inline const std::string kPepper = "cli-test-pepper-0123456789abcdefghijklmnopqrstuvwxyz";
inline const std::string kTotpKeyHex =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

class LatchkeyCli {
 public:
  test::PgDatabase database;
  std::filesystem::path dir;
  std::filesystem::path config_path;

  // `label` names the database and the temporary directory.
  explicit LatchkeyCli(const std::string& label) : database(label) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("latchkey-" + label + "-XXXXXX")).string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    std::ofstream(dir / "pepper") << kPepper;
    std::ofstream(dir / "totp.key") << kTotpKeyHex << "\n";
    config_path = write_config("config.yaml", database.url());
  }

  ~LatchkeyCli() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  LatchkeyCli(const LatchkeyCli&) = delete;
  LatchkeyCli& operator=(const LatchkeyCli&) = delete;

  std::filesystem::path write_config(const std::string& name, const std::string& url) const {
    const auto path = dir / name;
    std::ofstream(path) << "listen:\n"
                           "  - address: 127.0.0.1:18443\n"
                           "database:\n"
                           "  url: \""
                        << url
                        << "\"\n"
                           "  pool_size: 2\n"
                           "secrets:\n"
                           "  pepper_file: pepper\n"
                           "  totp_key_file: totp.key\n"
                           "routes:\n"
                           "  - name: app\n"
                           "    match: { path_prefix: / }\n"
                           "    upstream: { url: \"http://127.0.0.1:18080\" }\n";
    return path;
  }

  // With `config` empty, neither --config nor LATCHKEY_CONFIG names one.
  test::ProcessResult run_with(const std::filesystem::path& config, std::vector<std::string> args,
                               const std::string& input = "") const {
    std::vector<std::string> argv{LATCHKEY_BINARY};
    if (!config.empty()) {
      argv.push_back("--config");
      argv.push_back(config.string());
    }
    argv.insert(argv.end(), args.begin(), args.end());
    test::RunOptions options;
    options.stdin_text = input;
    options.env["LATCHKEY_CONFIG"] = std::nullopt;
    return test::run_process(argv, options);
  }

  test::ProcessResult run(std::vector<std::string> args, const std::string& input = "") const {
    return run_with(config_path, std::move(args), input);
  }

  // Exit 0 and nothing on stderr.
  test::ProcessResult ok(std::vector<std::string> args, const std::string& input = "") const {
    auto result = run(std::move(args), input);
    BOOST_TEST_REQUIRE(result.exit_code == 0, test::describe(result));
    BOOST_TEST(result.err.empty(), test::describe(result));
    return result;
  }

  std::string sql(const std::string& query) const { return database.query_value(query); }
};

// Exit `code`, one line on stderr naming the problem, nothing on stdout.
inline void expect_exit(const test::ProcessResult& result, int code, const std::string& fragment) {
  BOOST_TEST(result.exit_code == code, test::describe(result));
  BOOST_TEST(test::lines_of(result.err).size() == 1u, test::describe(result));
  BOOST_TEST(test::contains(result.err, fragment), test::describe(result) << " lacks " << fragment);
  BOOST_TEST(result.out.empty(), test::describe(result));
}

}  // namespace latchkey::cli_test

#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/config/config_test_support.hpp"
#include "tests/config/temp_dir.hpp"

using namespace latchkey::config;
using namespace latchkey::config::test;

BOOST_FIXTURE_TEST_SUITE(load_config_suite, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(a_missing_file_names_the_path_and_the_reason) {
  const TempDir dir;
  const std::string path = (dir.path() / "absent.yaml").string();
  try {
    load_config(path, &lookup_fake_env);
    BOOST_FAIL("loaded a missing file");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()) == path + ": cannot read: No such file or directory");
  }
}

BOOST_AUTO_TEST_CASE(a_directory_is_not_a_config_file) {
  const TempDir dir;
  try {
    load_config(dir.path().string(), &lookup_fake_env);
    BOOST_FAIL("loaded a directory");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()) == dir.path().string() + ": cannot read: Is a directory");
  }
}

BOOST_AUTO_TEST_CASE(problems_in_a_loaded_file_carry_its_lines) {
  const TempDir dir;
  const auto path = dir.write("latchkey.yaml", kHead + "routes:\n  - name: app\n");
  try {
    load_config(path, &lookup_fake_env);
    BOOST_FAIL("accepted a route without upstream");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()) == "routes[0].upstream: is required (line 5)");
  }
}

BOOST_AUTO_TEST_CASE(syntax_errors_name_the_file) {
  const TempDir dir;
  const auto path = dir.write("broken.yaml", "listen: [\n");
  try {
    load_config(path, &lookup_fake_env);
    BOOST_FAIL("accepted broken YAML");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).starts_with(path + ": invalid YAML: "), e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_valid_file_loads_and_records_its_source) {
  const TempDir dir;
  const auto path = dir.write("latchkey.yaml", kHead + kRoutes);
  const Config config = load_config(path, &lookup_fake_env);
  BOOST_TEST(config.source == path);
  BOOST_TEST(config.routes.at(0).name == "app");
  BOOST_TEST(config.listen.at(0).address.port == 8080);
}

BOOST_AUTO_TEST_SUITE_END()

// The connection limits, drain deadline and per-route body limit: defaults, values, errors.
#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/config/config_test_support.hpp"

using namespace latchkey::config::test;

BOOST_FIXTURE_TEST_SUITE(limits_config, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(defaults_bound_every_client_resource) {
  const auto config = parse(kHead + kRoutes);
  BOOST_TEST(config.server.max_header_count == 100u);
  BOOST_TEST(config.server.max_connections == 10'000u);
  BOOST_TEST(config.server.max_requests_per_connection == 1'000u);
  BOOST_TEST(config.server.drain_timeout.count() == 30'000);
  BOOST_TEST(!config.routes[0].limits.max_body_bytes.has_value());
}

BOOST_AUTO_TEST_CASE(values_are_read) {
  const auto config = parse(kHead +
                            "server: {max_header_count: 20, max_connections: 3, "
                            "max_requests_per_connection: 7, drain_timeout: 2s}\n"
                            "routes:\n"
                            "  - name: uploads\n"
                            "    upstream: {url: \"http://127.0.0.1:9000\"}\n"
                            "    limits: {max_body_bytes: 1048576}\n");
  BOOST_TEST(config.server.max_header_count == 20u);
  BOOST_TEST(config.server.max_connections == 3u);
  BOOST_TEST(config.server.max_requests_per_connection == 7u);
  BOOST_TEST(config.server.drain_timeout.count() == 2'000);
  BOOST_TEST(*config.routes[0].limits.max_body_bytes == 1'048'576u);
}

BOOST_AUTO_TEST_CASE(a_zero_body_limit_refuses_every_body) {
  const auto config = parse(kHead +
                            "routes:\n"
                            "  - name: read-only\n"
                            "    upstream: {url: \"http://127.0.0.1:9000\"}\n"
                            "    limits: {max_body_bytes: 0}\n");
  BOOST_TEST(*config.routes[0].limits.max_body_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(bad_values_name_key_and_line) {
  const std::string route_head =
      "routes:\n  - name: app\n    upstream: {url: \"http://127.0.0.1:9000\"}\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {kHead + kRoutes + "server: {max_header_count: 5}\n",
       "server.max_header_count: 5 is out of range 10..10000 (line 5)"},
      {kHead + kRoutes + "server: {max_connections: 0}\n",
       "server.max_connections: 0 is out of range 1..1000000 (line 5)"},
      {kHead + kRoutes + "server: {max_requests_per_connection: 0}\n",
       "server.max_requests_per_connection: 0 is out of range 1..1000000 (line 5)"},
      {kHead + kRoutes + "server: {drain_timeout: 0s}\n",
       "server.drain_timeout: \"0s\" must be greater than 0 (line 5)"},
      {kHead + route_head + "    limits: {max_body_bytes: -1}\n",
       "routes[0].limits.max_body_bytes: -1 is out of range 0..1125899906842624 (line 7)"},
      {kHead + route_head + "    limits: {max_body: 10}\n",
       "routes[0].limits.max_body: unknown key; expected one of max_body_bytes (line 7)"},
  };
  for (const auto& [yaml, expected] : cases) {
    BOOST_TEST_CONTEXT(expected) {
      const auto problems = problems_of(yaml);
      BOOST_TEST_REQUIRE(problems.size() == 1u);
      BOOST_TEST(problems[0] == expected);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

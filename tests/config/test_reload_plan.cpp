// What SIGHUP may change while serving: routes and request limits at once, the rest only
// with a restart (reported by key, running value kept).
#include <boost/test/unit_test.hpp>
#include <string>

#include "config/reload_plan.hpp"
#include "tests/config/config_test_support.hpp"

using namespace latchkey::config;
using namespace latchkey::config::test;

BOOST_FIXTURE_TEST_SUITE(reload_plan, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(routes_and_request_limits_change_at_once) {
  const Config running = parse(kHead + kRoutes);
  const Config next =
      parse(kHead +
            "server: {header_timeout: 3s, max_header_count: 50, "
            "max_requests_per_connection: 9, drain_timeout: 5s}\n"
            "routes: [{name: other, upstream: {url: \"http://127.0.0.1:9001\"}}]\n");
  const ReloadPlan plan = plan_reload(running, next);
  BOOST_TEST(plan.needs_restart.empty());
  BOOST_TEST(plan.effective.routes.size() == 1u);
  BOOST_TEST(plan.effective.routes[0].name == "other");
  BOOST_TEST(plan.effective.server.header_timeout.count() == 3'000);
  BOOST_TEST(plan.effective.server.max_header_count == 50u);
  BOOST_TEST(plan.effective.server.max_requests_per_connection == 9u);
  BOOST_TEST(plan.effective.server.drain_timeout.count() == 5'000);
}

BOOST_AUTO_TEST_CASE(restart_only_settings_keep_running_values_and_are_named) {
  const Config running = parse(kHead + kRoutes);
  fake_env()["PEPPER"] = "another-pepper-0123456789-0123456789-0123";
  const Config next = parse(
      "listen: [{address: \"127.0.0.1:8081\"}]\n"
      "database: {url: \"postgres://db/other\", pool_size: 2}\n"
      "secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\"}\n" +
      kRoutes +
      "server: {threads: 3, verify_workers: 2}\n"
      "cache: {ttl: 2s}\n"
      "brute_force: {lock_after: 3}\n"
      "admin: {address: \"127.0.0.1:9901\"}\n");
  const ReloadPlan plan = plan_reload(running, next);
  const std::vector<std::string> expected{"listen",
                                          "admin",
                                          "database.url",
                                          "database.pool_size",
                                          "secrets.pepper",
                                          "server.threads",
                                          "server.verify_workers",
                                          "cache.ttl",
                                          "brute_force.lock_after"};
  BOOST_TEST(plan.needs_restart == expected, boost::test_tools::per_element());
  BOOST_TEST(plan.effective.listen[0].address.port == 8080);
  BOOST_TEST(!plan.effective.admin.has_value());
  BOOST_TEST(plan.effective.database.url == "postgres://db/latchkey");
  BOOST_TEST(plan.effective.secrets.pepper == kPepper);
  BOOST_TEST(plan.effective.server.threads == 0);
  BOOST_TEST(plan.effective.cache.ttl.count() == running.cache.ttl.count());
  BOOST_TEST(plan.effective.brute_force.lock_after == running.brute_force.lock_after);
}

BOOST_AUTO_TEST_CASE(an_identical_file_changes_nothing) {
  const Config running = parse(kHead + kRoutes);
  const ReloadPlan plan = plan_reload(running, parse(kHead + kRoutes));
  BOOST_TEST(plan.needs_restart.empty());
  BOOST_TEST(plan.effective.routes[0].name == "app");
}

BOOST_AUTO_TEST_SUITE_END()

// The self_service section: defaults, accepted values, and one clear error per mistake.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "config/reload_plan.hpp"
#include "tests/config/config_test_support.hpp"

namespace latchkey::config::test {

namespace {

// The section starts on line 5.
std::string with_self_service(const std::string& section) {
  return kHead + kRoutes + "self_service: " + section + "\n";
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(self_service, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(off_by_default_with_documented_defaults) {
  const Config config = parse(kHead + kRoutes);
  BOOST_TEST(!config.self_service.enabled);
  BOOST_TEST(config.self_service.path_prefix == "/-/account/");
  BOOST_TEST(config.self_service.session_idle.count() == 15 * 60 * 1000);
  BOOST_TEST(config.self_service.session_max.count() == 12 * 60 * 60 * 1000);
  BOOST_TEST(!config.self_service.secure_cookie);
  BOOST_TEST(!config.self_service.host.has_value());  // every host, unless one is named
}

BOOST_AUTO_TEST_CASE(reads_every_key) {
  const Config config = parse(
      with_self_service("{ enabled: true, path_prefix: /me/, session_idle: 5m, session_max: 1h,"
                        " secure_cookie: true, host: Accounts.Example.COM }"));
  BOOST_TEST(config.self_service.host.value_or("") == "accounts.example.com");
  BOOST_TEST(config.self_service.secure_cookie);
  BOOST_TEST(config.self_service.enabled);
  BOOST_TEST(config.self_service.path_prefix == "/me/");
  BOOST_TEST(config.self_service.session_idle.count() == 5 * 60 * 1000);
  BOOST_TEST(config.self_service.session_max.count() == 60 * 60 * 1000);
}

BOOST_AUTO_TEST_CASE(mistakes_name_the_key_and_line) {
  using Problems = std::vector<std::string>;
  BOOST_TEST(problems_of(with_self_service("{ path_prefix: /me }")) ==
                 Problems{"self_service.path_prefix: \"/me\" must end with '/' (the "
                          "page's cookie path) (line 5)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems_of(with_self_service("{ path_prefix: / }")) ==
                 Problems{"self_service.path_prefix: \"/\" would hide every route; use "
                          "a path such as /-/account/ (line 5)"},
             boost::test_tools::per_element());
  const auto dots = problems_of(with_self_service("{ path_prefix: /a/../b/ }"));
  BOOST_TEST_REQUIRE(dots.size() == 1u);
  BOOST_TEST(dots[0].find("self_service.path_prefix") != std::string::npos);
  BOOST_TEST(dots[0].find("dot-segments") != std::string::npos);
  const auto order = problems_of(with_self_service("{ session_idle: 2h, session_max: 1h }"));
  BOOST_TEST_REQUIRE(order.size() == 1u);
  BOOST_TEST(order[0].find("self_service.session_max") != std::string::npos);
  BOOST_TEST(order[0].find("session_idle must not be longer than session_max") !=
             std::string::npos);
  const auto unknown = problems_of(with_self_service("{ enable: true }"));
  BOOST_TEST_REQUIRE(unknown.size() == 1u);
  BOOST_TEST(unknown[0].find("self_service.enable") != std::string::npos);
  const auto too_long = problems_of(with_self_service("{ session_max: 25h }"));
  BOOST_TEST_REQUIRE(too_long.size() == 1u);
  BOOST_TEST(too_long[0].find("self_service.session_max") != std::string::npos);
  const auto bad_host = problems_of(with_self_service("{ host: \"accounts.example.com:8443\" }"));
  BOOST_TEST_REQUIRE(bad_host.size() == 1u);
  BOOST_TEST(bad_host[0].find("self_service.host") != std::string::npos, bad_host[0]);
  const auto too_short = problems_of(with_self_service("{ session_idle: 10ms }"));
  BOOST_TEST_REQUIRE(too_short.size() == 1u);
  BOOST_TEST(too_short[0].find("self_service.session_idle") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_reload_keeps_the_running_page_and_names_it) {
  const Config running = parse(with_self_service("{ enabled: true }"));
  const ReloadPlan plan =
      plan_reload(running, parse(with_self_service("{ enabled: true, session_idle: 1m }")));
  BOOST_TEST(plan.needs_restart == std::vector<std::string>{"self_service"},
             boost::test_tools::per_element());
  BOOST_TEST(plan.effective.self_service.session_idle.count() == 15 * 60 * 1000);
  BOOST_TEST(plan_reload(running, parse(with_self_service("{ enabled: true }")))
                 .needs_restart.empty());
  BOOST_TEST(plan_reload(running, parse(with_self_service("{ enabled: true, host: a.example }")))
                 .needs_restart == std::vector<std::string>{"self_service"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::config::test

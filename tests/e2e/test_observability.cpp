// What an operator sees: the admin endpoint's health and counters, with reasons, no secrets.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

BOOST_AUTO_TEST_SUITE(observability)

BOOST_AUTO_TEST_CASE(metrics_count_outcomes_by_reason_and_never_show_a_secret) {
  auto& d = deployment();
  d.add_user("heidi", "heidi-account-pw", true);
  const std::string app = d.new_app_password("heidi", "tablet");
  BOOST_TEST(d.curl("/m", {"-u", "heidi:" + app}).status == 200);
  BOOST_TEST(d.curl("/m", {"-u", "heidi:heidi-account-pw"}).status == 401);
  BOOST_TEST(d.curl("/m", {"-u", "heidi:wrong-one"}).status == 401);
  const ProcessResult metrics = run_process({"curl", "-sS", d.admin_url() + "/metrics"});
  BOOST_TEST_REQUIRE(metrics.exit_code == 0);
  const std::string& text = metrics.out;
  BOOST_TEST(text.find("latchkey_auth_denied_total{reason=\"totp_requires_app_password\"}") !=
             std::string::npos);
  BOOST_TEST(text.find("latchkey_auth_denied_total{reason=\"bad_password\"}") != std::string::npos);
  BOOST_TEST(text.find("latchkey_requests_total{route=\"tracker\",status=\"200\"}") !=
             std::string::npos);
  BOOST_TEST(text.find(app) == std::string::npos);
  BOOST_TEST(text.find("heidi") == std::string::npos);  // no per-user series
}

BOOST_AUTO_TEST_CASE(healthz_answers_ok) {
  const ProcessResult health = run_process({"curl", "-sS", deployment().admin_url() + "/healthz"});
  BOOST_TEST(health.exit_code == 0);
  BOOST_TEST(health.out == "ok\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

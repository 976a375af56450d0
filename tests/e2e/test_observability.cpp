// What an operator sees: the admin endpoint's health and counters, with reasons, no secrets.
#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "tests/e2e/deployment.hpp"
#include "tests/e2e/raw_client.hpp"

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

// A request refused for its form rather than its sender is counted by reason too: a bad chunk
// size is the smuggling attempt an operator wants to alert on (§5.6).
BOOST_AUTO_TEST_CASE(a_malformed_chunked_body_is_counted_by_reason) {
  auto& d = deployment();
  const std::string series = "latchkey_requests_rejected_total{reason=\"client_body_malformed\"}";
  const double before = std::max(0.0, d.metric(series));  // other tests may have counted some
  RawConnection connection(d.proxy_port());
  BOOST_TEST_REQUIRE(connection.send(
      "POST /static/chunks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nabcd\r\nzz\r\n\r\n"));
  const auto response = connection.read_response(std::chrono::seconds(5));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 400);
  BOOST_TEST(d.log_contains("\"reason\":\"client_body_malformed\""));
  BOOST_TEST(d.metric(series) == before + 1);
}

BOOST_AUTO_TEST_CASE(metrics_show_latency_histograms_and_pool_gauges) {
  auto& d = deployment();
  BOOST_TEST(d.curl("/static/histogram").status == 200);
  BOOST_TEST(d.curl("/static/histogram").status == 200);  // on the pooled connection
  BOOST_TEST(d.curl("/dead/x").status == 502);              // nothing listens there
  const ProcessResult metrics = run_process({"curl", "-sS", d.admin_url() + "/metrics"});
  BOOST_TEST_REQUIRE(metrics.exit_code == 0);
  const std::string& text = metrics.out;
  auto has = [&text](const std::string& part) { return text.find(part) != std::string::npos; };
  BOOST_TEST(has("# TYPE latchkey_request_duration_seconds histogram\n"));
  BOOST_TEST(has("latchkey_request_duration_seconds_bucket{route=\"public\",le=\"+Inf\"} "));
  BOOST_TEST(has("latchkey_request_duration_seconds_count{route=\"dead\"} "));
  BOOST_TEST(has("\nlatchkey_db_pool_size 4\n"), text);  // the deployment's pool_size
  BOOST_TEST(has("\nlatchkey_db_pool_in_use "));
  BOOST_TEST(has("\nlatchkey_upstream_connections_opened_total{upstream=\"127.0.0.1:"));
  BOOST_TEST(has("\nlatchkey_upstream_connections_reused_total{upstream=\"127.0.0.1:"));
  BOOST_TEST(has("\nlatchkey_upstream_pool_idle_connections{upstream=\"127.0.0.1:"));
  BOOST_TEST(has("\nlatchkey_upstream_connect_errors_total{upstream=\"127.0.0.1:"));
  BOOST_TEST(has("\nlatchkey_upstream_idle_connections "));
  BOOST_TEST(has("\nlatchkey_cache_entries "));
  BOOST_TEST(has("# HELP latchkey_auth_denied_total "));
}

// Without a host of its own the page shares each upstream's origin: the operator is told.
BOOST_AUTO_TEST_CASE(a_self_service_page_without_a_host_of_its_own_is_warned_about) {
  for (const std::string host : {"", ", host: accounts.localhost"}) {
    BOOST_TEST_CONTEXT("self_service" << host) {
      DeploymentOptions options;
      options.self_service = "{ enabled: true" + host + " }";
      Deployment d(options);
      BOOST_TEST(d.log_contains("self_service_shares_upstream_origin") == host.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(healthz_answers_ok) {
  const ProcessResult health = run_process({"curl", "-sS", deployment().admin_url() + "/healthz"});
  BOOST_TEST(health.exit_code == 0);
  BOOST_TEST(health.out == "ok\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

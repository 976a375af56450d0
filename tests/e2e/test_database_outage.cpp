// DESIGN.md §5.7 against a real server that is stopped and started again: credentials already
// verified keep working for the cache TTL, new ones fail closed with 503, readiness says so,
// nothing crashes, and everything recovers without a restart. And two replicas on one database
// see a revocation at once.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <thread>

#include "tests/e2e/deployment.hpp"
#include "tests/support/pg_cluster.hpp"

namespace latchkey::test {

namespace {

// Polls until `check` holds or `limit` passes; returns how long it took.
template <class Check>
std::chrono::milliseconds wait_until(Check check, std::chrono::milliseconds limit) {
  const auto started = std::chrono::steady_clock::now();
  while (!check() && std::chrono::steady_clock::now() - started < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started);
}

int status_line_code(const ProcessResult& result) {  // admin_get appends "\n<code>"
  return std::stoi(result.out.substr(result.out.rfind('\n') + 1));
}

DeploymentOptions options_with_cache(std::string cluster_url, std::string cache) {
  DeploymentOptions options;
  options.cluster_url = std::move(cluster_url);
  options.cache = std::move(cache);
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(database_outage)

BOOST_AUTO_TEST_CASE(cached_credentials_survive_an_outage_new_ones_fail_closed_then_recover) {
  PgCluster cluster;
  Deployment d(options_with_cache(cluster.url(), "{ ttl: 60s, ttl_unsynced: 60s }"));
  d.add_user("olga", "olga-account-pw", true);
  d.add_user("pete", "pete-account-pw", true);
  const std::string olga = d.new_app_password("olga", "phone");
  const std::string pete = d.new_app_password("pete", "laptop");
  BOOST_TEST(d.curl("/before", {"-u", "olga:" + olga}).status == 200);
  BOOST_TEST(status_line_code(d.admin_get("/readyz")) == 200);

  cluster.stop();
  BOOST_TEST(d.curl("/during", {"-u", "olga:" + olga}).status == 200);  // from the cache
  const auto fresh = d.curl("/during", {"-u", "pete:" + pete});
  BOOST_TEST(fresh.status == 503);
  BOOST_TEST(!fresh.header("Retry-After").empty());
  // Readiness is probed once a second and turns red once the last success is 3 s old.
  wait_until(
      [&] { return d.admin_get("/readyz").out.find("database: unavailable") != std::string::npos; },
      std::chrono::seconds(8));
  const auto ready = d.admin_get("/readyz");
  BOOST_TEST(status_line_code(ready) == 503);
  BOOST_TEST(ready.out.find("database: unavailable") != std::string::npos);
  BOOST_TEST(status_line_code(d.admin_get("/healthz")) == 200);  // alive, just not ready
  BOOST_TEST(d.curl("/static/still-served").status == 200);      // no database needed

  cluster.start();
  const auto took = wait_until([&] { return d.curl("/after", {"-u", "pete:" + pete}).status == 200; },
                               std::chrono::seconds(20));
  BOOST_TEST(d.curl("/after", {"-u", "pete:" + pete}).status == 200);
  BOOST_TEST_MESSAGE("new credentials accepted again " << took.count() << " ms after restart");
  wait_until([&] { return status_line_code(d.admin_get("/readyz")) == 200; },
             std::chrono::seconds(20));
  BOOST_TEST(status_line_code(d.admin_get("/readyz")) == 200);
  BOOST_TEST(d.log_contains("credential_listener_synced"));
}

BOOST_AUTO_TEST_CASE(cache_ttl_zero_fails_closed_at_once) {
  PgCluster cluster;
  Deployment d(options_with_cache(cluster.url(), "{ ttl: 0s }"));
  d.add_user("quinn", "quinn-account-pw", true);
  const std::string quinn = d.new_app_password("quinn", "phone");
  BOOST_TEST(d.curl("/before", {"-u", "quinn:" + quinn}).status == 200);
  cluster.stop();
  BOOST_TEST(d.curl("/during", {"-u", "quinn:" + quinn}).status == 503);
  cluster.start();
}

BOOST_AUTO_TEST_CASE(two_replicas_drop_a_revoked_password_within_a_second) {
  Deployment d;
  const int second = d.start_another_proxy();
  d.add_user("rita", "rita-account-pw", true);
  const std::string rita = d.new_app_password("rita", "sync");
  BOOST_TEST(d.curl("/r", {"-u", "rita:" + rita}).status == 200);
  BOOST_TEST(d.curl_at(second, "/r", {"-u", "rita:" + rita}).status == 200);
  BOOST_REQUIRE(d.cli({"app-password", "revoke", "rita", "sync"}).exit_code == 0);
  const auto first_took = wait_until(
      [&] { return d.curl("/r", {"-u", "rita:" + rita}).status == 401; }, std::chrono::seconds(3));
  const auto second_took =
      wait_until([&] { return d.curl_at(second, "/r", {"-u", "rita:" + rita}).status == 401; },
                 std::chrono::seconds(3));
  BOOST_TEST(d.curl("/r", {"-u", "rita:" + rita}).status == 401);
  BOOST_TEST(d.curl_at(second, "/r", {"-u", "rita:" + rita}).status == 401);
  // Both waits run from the revoke; the cache TTL is 10 minutes, so only NOTIFY explains this.
  BOOST_TEST((first_took + second_took).count() <= 1000);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

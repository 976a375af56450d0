// Kept-alive connections that wait between requests: they hold almost no memory while they
// wait (proxy/idle_wait.hpp), yet serve their next request, pipelined ones included, and the
// verified-credential cache gives back what a burst of logins filled once it has expired.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <thread>

#include <csignal>

#include "tests/e2e/deployment.hpp"
#include "tests/e2e/limited_deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idle_connections)

BOOST_AUTO_TEST_CASE(a_kept_connection_idle_longer_than_header_timeout_serves_its_next_request) {
  auto& d = deployment();
  RawConnection connection(d.proxy_port());
  BOOST_TEST_REQUIRE(connection.send(get("/static/before-idle")));
  const auto first = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->status == 200);
  // header_timeout is 1 s here; an idle wait is bounded by idle_timeout (the default, 60 s).
  std::this_thread::sleep_for(milliseconds(1500));
  BOOST_TEST_REQUIRE(connection.send(get("/static/after-idle")));
  const auto second = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST(second->status == 200);
  const auto records = d.upstream_records();
  BOOST_TEST_REQUIRE(!records.empty());
  BOOST_TEST(std::string(records.back().at("path").as_string()) == "/static/after-idle");
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order_after_an_idle_wait) {
  auto& d = deployment();
  RawConnection connection(d.proxy_port());
  BOOST_TEST_REQUIRE(connection.send(get("/static/warm")));
  BOOST_TEST_REQUIRE(connection.read_response(seconds(5)).has_value());
  // Past 250 ms the connection waits without its read buffer (kIdleBufferRelease).
  std::this_thread::sleep_for(milliseconds(600));
  const std::size_t before = d.upstream_record_count();
  // Three heads in one segment: the second and third are already buffered when the first ends.
  BOOST_TEST_REQUIRE(
      connection.send(get("/static/pipe-1") + get("/static/pipe-2") + get("/static/pipe-3")));
  for (int i = 1; i <= 3; ++i) {
    BOOST_TEST_CONTEXT("response " << i) {
      const auto response = connection.read_response(seconds(5));
      BOOST_TEST_REQUIRE(response.has_value());
      BOOST_TEST(response->status == 200);
    }
  }
  const auto records = d.upstream_records();
  BOOST_TEST_REQUIRE(records.size() == before + 3);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(std::string(records[before + i].at("path").as_string()) ==
               "/static/pipe-" + std::to_string(i + 1));
  }
}

BOOST_AUTO_TEST_CASE(a_head_stalling_after_a_long_idle_wait_gets_408_after_header_timeout) {
  auto& d = limited().deployment;  // header_timeout 1 s, idle_timeout 2 s
  RawConnection connection(d.proxy_port());
  BOOST_TEST_REQUIRE(connection.send(get("/static/kept")));
  const auto first = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->status == 200);
  std::this_thread::sleep_for(milliseconds(600));  // waiting without a buffer now
  const auto started = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(connection.send("GET /st"));
  const auto second = connection.read_response(seconds(5));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST(second->status == 408);
  // header_timeout runs from the first byte, not from the start of the idle wait.
  BOOST_CHECK(elapsed >= milliseconds(900));
  BOOST_CHECK(elapsed < milliseconds(1800));
}

BOOST_AUTO_TEST_CASE(sigterm_closes_a_connection_waiting_without_its_buffer_at_once) {
  Deployment d;
  RawConnection connection(d.proxy_port());
  BOOST_TEST_REQUIRE(connection.send(get("/static/before-drain")));
  BOOST_TEST_REQUIRE(connection.read_response(seconds(5)).has_value());
  std::this_thread::sleep_for(milliseconds(600));
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGTERM) == 0);
  // Not at the drain deadline: an idle connection has nothing in flight to finish.
  BOOST_TEST(connection.closed_within(seconds(2)));
  const auto code = d.wait_proxy_exit(seconds(5));
  BOOST_TEST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0);
}

// A drain that begins while a keep-alive answer is still going out answers the request
// pipelined behind it (saying close), instead of dropping it after the promise of keep-alive.
BOOST_AUTO_TEST_CASE(a_drain_answers_a_request_pipelined_behind_a_kept_answer) {
  DeploymentOptions options;
  options.extra_routes =
      "  - name: download\n"
      "    match: { path_prefix: /download }\n"
      "    upstream: { url: \"@UPSTREAM@\" }\n"
      "    auth: none\n";
  Deployment d(options);
  RawConnection connection(d.proxy_port());
  // The first answer outgrows the socket buffers while we do not read: its keep-alive head is
  // out before the drain, its body after.
  constexpr std::size_t kBodyBytes = 32u << 20;
  BOOST_TEST_REQUIRE(connection.send(get("/download?bytes=" + std::to_string(kBodyBytes)) +
                                     get("/static/after-drain")));
  std::this_thread::sleep_for(milliseconds(500));
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGTERM) == 0);
  BOOST_TEST_REQUIRE(d.log_contains("\"event\":\"shutdown\""));
  const auto first = connection.read_response(seconds(10));
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->status == 200);
  BOOST_TEST(first->body.size() == kBodyBytes);
  BOOST_TEST(first->header("Connection") == "");
  const auto second = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST(second->status == 200);
  BOOST_TEST(second->header("Connection") == "close");
  BOOST_TEST(connection.closed_within(seconds(2)));
  const auto code = d.wait_proxy_exit(seconds(5));
  BOOST_TEST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0);
}

BOOST_AUTO_TEST_CASE(expired_cache_entries_are_dropped_without_further_requests) {
  DeploymentOptions options;
  options.cache = "{ ttl: 300ms }";
  Deployment d(options);
  d.add_user("erin", "erin-account-pw", false);
  const std::string app = d.new_app_password("erin", "mail client");
  BOOST_TEST(d.curl("/a", {"-u", "erin:" + app}).status == 200);
  BOOST_TEST(d.metric("latchkey_cache_entries") == 1);
  // Nothing asks for the entry again; the reclaimer's sweep (every 2 s) must still drop it.
  double entries = 1;
  const auto deadline = std::chrono::steady_clock::now() + seconds(6);
  while (entries != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));
    entries = d.metric("latchkey_cache_entries");
  }
  BOOST_TEST(entries == 0);
  BOOST_TEST(d.curl("/a", {"-u", "erin:" + app}).status == 200);  // verified afresh
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

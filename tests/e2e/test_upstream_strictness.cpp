// What latchkey does when the upstream misbehaves: garbage is answered 502 and never relayed,
// stalls are answered 504, and a connection that cannot be made in time is a 504 too.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <thread>

#include "tests/e2e/limited_deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {

namespace {
using std::chrono::milliseconds;
using std::chrono::seconds;
}  // namespace

BOOST_AUTO_TEST_SUITE(upstream_strictness)

BOOST_AUTO_TEST_CASE(malformed_upstream_responses_are_502_and_never_relayed) {
  auto& d = limited().deployment;
  // Names of misbehaving_upstream.py's canned responses.
  const std::vector<std::string> malformed{
      "cl_te",      "te_cl",          "duplicate_cl",  "plus_cl",
      "te_gzip",    "te_twice",       "bad_chunk",     "obs_fold",
      "bare_lf",    "bare_cr",        "nul_in_value",  "bad_status_line",
      "status_999", "no_status_line", "http2_version", "switching_protocols"};
  for (const auto& name : malformed) {
    BOOST_TEST_CONTEXT(name) {
      const auto result = d.curl("/raw/" + name);
      BOOST_TEST(result.status == 502);
      BOOST_TEST(result.body.find("502 Bad Gateway") == 0u);
      // Nothing of the upstream's answer leaks through.
      BOOST_TEST(result.body.find("hello") == std::string::npos);
      BOOST_TEST(result.headers.find("X-Folded") == std::string::npos);
    }
  }
  BOOST_TEST(d.log_contains("\"reason\":\"bad_upstream_response\""));
  BOOST_TEST(d.log_contains("\"problem\":\"obs_fold\""));
  const auto metrics = d.admin_get("/metrics").out;
  BOOST_TEST(metrics.find(
                 "latchkey_upstream_errors_total{route=\"raw\",reason=\"bad_upstream_response\"} " +
                 std::to_string(malformed.size())) != std::string::npos);
  // The same upstream answering properly is relayed.
  const auto ok = d.curl("/raw/ok");
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(ok.body == "ok");
}

// Beast adds trailer fields to the message's own; those of an empty body arrive with the head
// and must not go out in it.
BOOST_AUTO_TEST_CASE(trailers_of_an_empty_upstream_body_never_become_head_fields) {
  auto& d = limited().deployment;
  const auto result = d.curl("/raw/empty_chunked_trailers");
  BOOST_TEST(result.status == 200);
  BOOST_TEST(result.body.empty());
  BOOST_TEST(result.headers.find("X-Trailer-Leak") == std::string::npos, result.headers);
  BOOST_TEST(result.headers.find("Keep-Alive: timeout=1") == std::string::npos, result.headers);
}

// Beast's parser throws for a field over 65,533 bytes; from a trailer, which no header limit
// bounds, that once escaped the IO thread and ended the process.
BOOST_AUTO_TEST_CASE(an_upstream_trailer_too_long_to_parse_is_502_and_the_process_lives) {
  auto& d = limited().deployment;
  const auto result = d.curl("/raw/long_trailer");
  BOOST_TEST(result.status == 502);
  BOOST_TEST(result.headers.find("X-Long") == std::string::npos);
  BOOST_TEST(d.curl("/raw/ok").status == 200);
  BOOST_TEST(!d.log_contains("io_handler_failed"));
}

// Beast keeps an unfinished trailer section whole: an upstream sending one without end is cut
// off at a bounded buffer instead of growing the proxy's memory with it.
BOOST_AUTO_TEST_CASE(an_endless_upstream_trailer_section_is_cut_off_with_bounded_memory) {
  auto& d = limited().deployment;
  const long before_kib = d.proxy_peak_rss_kib();
  const auto result = d.curl("/endless-trailers");
  BOOST_TEST(result.headers.find("X-T") == std::string::npos);
  BOOST_TEST(d.proxy_peak_rss_kib() - before_kib < 16 * 1024);  // 48 MB were sent
  BOOST_TEST(d.log_contains("upstream_body_aborted"));
  BOOST_TEST(d.curl("/raw/ok").status == 200);
}

// An upstream answer with Connection: close ends that connection's use even before its FIN
// arrives (RFC 9112 §9.6): the next request goes out on a new one.
BOOST_AUTO_TEST_CASE(an_upstream_connection_announced_closed_is_not_pooled) {
  auto& d = limited().deployment;
  RawConnection client(d.proxy_port());
  const auto ask = [&client](const std::string& path) {
    client.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto response = client.read_response(seconds(5));
    BOOST_TEST_REQUIRE(response.has_value());
    BOOST_TEST_REQUIRE(response->status == 200);
    return std::stoi(response->body);
  };
  const int closing = ask("/connections/close");
  BOOST_TEST(ask("/connections") == closing + 1);
}

BOOST_AUTO_TEST_CASE(an_upstream_that_accepts_and_never_answers_gives_504_after_response_timeout) {
  auto& d = limited().deployment;
  const auto started = std::chrono::steady_clock::now();
  const auto result = d.curl("/stall");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  BOOST_TEST(result.status == 504);
  BOOST_CHECK(elapsed >= milliseconds(900));  // response_timeout: 1s
  BOOST_CHECK(elapsed < seconds(4));
  BOOST_TEST(d.log_contains("\"reason\":\"upstream_response_timeout\""));
}

BOOST_AUTO_TEST_CASE(an_upstream_that_never_accepts_gives_504_after_connect_timeout) {
  auto& d = limited().deployment;
  const auto started = std::chrono::steady_clock::now();
  const auto result = d.curl("/blackhole/x");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  BOOST_TEST(result.status == 504);
  BOOST_CHECK(elapsed >= milliseconds(400));  // connect_timeout: 500ms
  BOOST_CHECK(elapsed < seconds(3));
  BOOST_TEST(d.log_contains("\"reason\":\"upstream_connect_timeout\""));
}

BOOST_AUTO_TEST_CASE(an_upstream_body_that_stalls_is_cut_after_body_timeout) {
  auto& d = limited().deployment;
  RawConnection connection(d.proxy_port());
  connection.send("GET /stall-body HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto response = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 200);
  BOOST_TEST(!response->complete);  // 10 of 100 bytes, then the connection is cut
  BOOST_TEST(response->body == "0123456789");
  BOOST_TEST(connection.closed_within(seconds(3)));
  BOOST_TEST(d.log_contains("\"reason\":\"upstream_body_aborted\""));
}

// Each IO loop keeps its own pool (a socket stays on the loop that opened it), so the
// requests go over one client connection, which stays on one loop.
BOOST_AUTO_TEST_CASE(pooled_upstream_connections_are_reused_until_idle_timeout) {
  auto& d = limited().deployment;
  RawConnection client(d.proxy_port());
  auto connections = [&client] {
    client.send("GET /connections HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto response = client.read_response(seconds(5));
    BOOST_TEST_REQUIRE(response.has_value());
    BOOST_TEST_REQUIRE(response->status == 200);
    return std::stoi(response->body);
  };
  const int first = connections();
  const int reused = connections();  // straight after: the pooled connection carries it
  BOOST_TEST(reused == first);
  std::this_thread::sleep_for(milliseconds(900));  // idle_timeout: 500ms
  const int fresh = connections();
  BOOST_TEST(fresh == first + 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

// Every configured limit, hit for real against the latchkey binary: the status it answers,
// that nothing reached the upstream, and that the hit is logged and counted.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <thread>

#include "tests/e2e/limited_deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string metrics_text(Deployment& d) {
  return d.admin_get("/metrics").out;
}

bool counted(Deployment& d, const std::string& limit) {
  return metrics_text(d).find("latchkey_limit_hits_total{limit=\"" + limit + "\"}") !=
         std::string::npos;
}

std::string get(const std::string& path, const std::string& fields = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(a_head_over_max_header_bytes_gets_431) {
  auto& d = limited().deployment;
  const std::size_t before = d.upstream_record_count();
  const auto exchange = raw_exchange_at(
      d.proxy_port(),
      get("/static/big", "X-Big: " + std::string(kLimitedMaxHeaderBytes, 'a') + "\r\n"));
  BOOST_TEST(exchange.answer.rfind("HTTP/1.1 431", 0) == 0);
  BOOST_TEST(exchange.closed);
  BOOST_TEST(d.upstream_record_count() == before);
  BOOST_TEST(d.log_contains("\"reason\":\"header_too_large\""));
  BOOST_TEST(counted(d, "max_header_bytes"));
}

// Beast stores a field value in at most 65,533 bytes: with max_header_bytes above that, a
// longer value within the limit is still too large, and gets 431 rather than a dropped
// connection.
BOOST_AUTO_TEST_CASE(a_field_longer_than_the_parser_can_hold_gets_431) {
  DeploymentOptions options;
  options.server = "{ max_header_bytes: 200000 }";
  Deployment d(options);
  const auto exchange = raw_exchange_at(
      d.proxy_port(), get("/static/long-field", "X-Long: " + std::string(70000, 'a') + "\r\n"));
  BOOST_TEST(exchange.answer.rfind("HTTP/1.1 431", 0) == 0, exchange.answer.substr(0, 200));
  BOOST_TEST(d.curl("/static/after-long-field").status == 200);
}

BOOST_AUTO_TEST_CASE(more_fields_than_max_header_count_get_431_and_exactly_that_many_pass) {
  auto& d = limited().deployment;
  auto fields = [](std::size_t n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += "X-Field-" + std::to_string(i) + ": v\r\n";
    return text;
  };
  const std::size_t before = d.upstream_record_count();
  // Host is one field: 30 in all pass, 31 do not.
  const auto over =
      raw_exchange_at(d.proxy_port(), get("/static/many", fields(kLimitedMaxHeaderCount)));
  BOOST_TEST(over.answer.rfind("HTTP/1.1 431", 0) == 0);
  BOOST_TEST(over.closed);
  BOOST_TEST(d.upstream_record_count() == before);
  BOOST_TEST(d.log_contains("\"reason\":\"too_many_headers\""));
  BOOST_TEST(counted(d, "max_header_count"));
  const auto at_limit =
      raw_exchange_at(d.proxy_port(), get("/static/many", fields(kLimitedMaxHeaderCount - 1)));
  BOOST_TEST(at_limit.answer.rfind("HTTP/1.1 200", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_declared_body_over_the_route_limit_gets_413_before_anything_is_forwarded) {
  auto& d = limited().deployment;
  const std::size_t before = d.upstream_record_count();
  const std::string body(kLimitedBodyBytes + 1, 'b');
  const auto exchange =
      raw_exchange_at(d.proxy_port(), "POST /capped/up HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                          std::to_string(body.size()) + "\r\n\r\n" + body);
  BOOST_TEST(exchange.answer.rfind("HTTP/1.1 413", 0) == 0);
  BOOST_TEST(exchange.closed);
  // With Expect: 100-continue the body is never even sent: 413 comes instead of 100.
  TempDir dir;
  write_file(dir.file("big"), std::string(5000, 'c'));
  const auto expecting =
      d.curl("/capped/up", {"--data-binary", "@" + dir.file("big"), "-H", "Expect: 100-continue"});
  BOOST_TEST(expecting.status == 413);
  BOOST_TEST(expecting.headers.find("100 Continue") == std::string::npos);
  BOOST_TEST(d.upstream_record_count() == before);
  BOOST_TEST(d.log_contains("\"reason\":\"body_too_large\""));
  BOOST_TEST(counted(d, "max_body_bytes"));
  // At the limit it passes, whole.
  const auto at_limit =
      d.curl("/capped/up", {"--data-binary", std::string(kLimitedBodyBytes, 'd')});
  BOOST_TEST(at_limit.status == 200);
  BOOST_TEST(d.upstream_records().back().at("body_bytes").as_int64() ==
             static_cast<std::int64_t>(kLimitedBodyBytes));
}

BOOST_AUTO_TEST_CASE(
    a_chunked_body_growing_past_the_limit_is_cut_and_the_upstream_request_aborted) {
  auto& d = limited().deployment;
  const std::size_t before = d.upstream_record_count();
  const std::string piece(600, 'e');
  const std::string chunk = "258\r\n" + piece + "\r\n";  // 0x258 = 600
  RawConnection connection(d.proxy_port());
  connection.send("POST /capped/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  chunk);
  std::this_thread::sleep_for(milliseconds(200));  // the head and first piece are relayed
  connection.send(chunk + "0\r\n\r\n");
  const auto response = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 413);
  BOOST_TEST(connection.closed_within(seconds(3)));
  std::this_thread::sleep_for(milliseconds(200));
  BOOST_TEST(d.upstream_record_count() == before);  // the upstream saw an aborted request only
  // Under the limit a chunked body goes through.
  const auto small = raw_exchange_at(
      d.proxy_port(), "POST /capped/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          chunk + "0\r\n\r\n");
  BOOST_TEST(small.answer.rfind("HTTP/1.1 200", 0) == 0);
  BOOST_TEST(d.upstream_records().back().at("body_bytes").as_int64() == 600);
}

BOOST_AUTO_TEST_CASE(a_head_dripping_in_slower_than_header_timeout_gets_408) {
  auto& d = limited().deployment;
  const auto started = std::chrono::steady_clock::now();
  RawConnection connection(d.proxy_port());
  const std::string head = get("/static/drip");
  std::optional<RawResponse> response;
  // One byte every 100 ms: progress does not extend the 1 s deadline for the whole head.
  for (char c : head) {
    if (!connection.send(std::string(1, c))) break;
    std::this_thread::sleep_for(milliseconds(100));
    if (std::chrono::steady_clock::now() - started > seconds(2)) break;
  }
  response = connection.read_response(seconds(3));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 408);
  BOOST_TEST(connection.closed_within(seconds(2)));
  BOOST_TEST(counted(d, "header_timeout"));
}

BOOST_AUTO_TEST_CASE(a_slow_head_on_a_kept_connection_gets_408_after_header_timeout) {
  auto& d = limited().deployment;
  RawConnection connection(d.proxy_port());
  connection.send(get("/static/kept"));
  const auto first = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->status == 200);
  // The next head starts, then stalls: header_timeout (1 s) runs from its first byte, not the
  // idle_timeout (2 s) a kept connection may wait for that byte.
  const auto started = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(connection.send("GET /st"));
  const auto second = connection.read_response(seconds(5));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_CHECK(elapsed >= milliseconds(900));
  BOOST_CHECK(elapsed < milliseconds(1800));
  BOOST_TEST(second->status == 408);
  BOOST_TEST(connection.closed_within(seconds(2)));
}

BOOST_AUTO_TEST_CASE(a_stalled_body_is_cut_after_body_timeout_and_never_forwarded_whole) {
  auto& d = limited().deployment;
  const std::size_t before = d.upstream_record_count();
  const auto started = std::chrono::steady_clock::now();
  RawConnection connection(d.proxy_port());
  connection.send(
      "POST /static/stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
  bool closed = false;
  const std::string answer = connection.read_until_closed(seconds(5), closed);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // The timed-out socket is closed, as nginx does: nothing is answered.
  BOOST_TEST(closed);
  BOOST_TEST(answer.empty());
  BOOST_CHECK(elapsed >= milliseconds(900));  // body_timeout: 1s
  BOOST_CHECK(elapsed < seconds(4));
  BOOST_TEST(d.upstream_record_count() == before);
  BOOST_TEST(d.log_contains("\"status\":408"));
  BOOST_TEST(d.log_contains("\"reason\":\"body_timeout\""));
  BOOST_TEST(counted(d, "body_timeout"));
}

BOOST_AUTO_TEST_CASE(an_idle_keep_alive_connection_is_closed_after_idle_timeout) {
  auto& d = limited().deployment;
  RawConnection connection(d.proxy_port());
  connection.send(get("/static/idle"));
  const auto response = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 200);
  BOOST_TEST(response->header("Connection") != "close");
  const auto idle_since = std::chrono::steady_clock::now();
  BOOST_TEST(connection.closed_within(seconds(5)));
  const auto idle = std::chrono::steady_clock::now() - idle_since;
  BOOST_CHECK(idle >= milliseconds(1900));  // idle_timeout is 2 s
  BOOST_CHECK(idle < seconds(4));
  BOOST_TEST(counted(d, "idle_timeout"));
}

BOOST_AUTO_TEST_CASE(the_last_request_a_connection_may_carry_is_answered_with_close) {
  auto& d = limited().deployment;
  RawConnection connection(d.proxy_port());
  for (std::size_t i = 1; i <= kLimitedMaxRequests; ++i) {
    BOOST_TEST_CONTEXT("request " << i) {
      BOOST_TEST_REQUIRE(connection.send(get("/static/n" + std::to_string(i))));
      const auto response = connection.read_response(seconds(5));
      BOOST_TEST_REQUIRE(response.has_value());
      BOOST_TEST(response->status == 200);
      BOOST_TEST(response->complete);
      const bool last = i == kLimitedMaxRequests;
      BOOST_TEST((response->header("Connection") == "close") == last);
    }
  }
  BOOST_TEST(connection.closed_within(seconds(3)));
  BOOST_TEST(counted(d, "max_requests_per_connection"));
  BOOST_TEST(d.log_contains("\"reason\":\"max_requests_per_connection\""));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

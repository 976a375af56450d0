// Upstream failures and hostile requests: clear status codes, nothing forwarded, no crash.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(upstream_that_refuses_connections_gives_502_with_a_reason) {
  auto& d = deployment();
  const auto result = d.curl("/dead/x");
  BOOST_TEST(result.status == 502);
  BOOST_TEST(result.body.find("upstream") != std::string::npos);
  BOOST_TEST(d.log_contains("upstream_connect_failed"));
}

BOOST_AUTO_TEST_CASE(upstream_too_slow_gives_504) {
  auto& d = deployment();
  const auto started = std::chrono::steady_clock::now();
  const auto result = d.curl("/slow?ms=5000");
  BOOST_TEST(result.status == 504);
  BOOST_TEST(result.body.find("in time") != std::string::npos);
  BOOST_CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
}

// Request smuggling: ambiguous framing is refused with 400, the connection closed, and
// nothing reaches the upstream (DESIGN.md §5.6).
BOOST_AUTO_TEST_CASE(ambiguous_framing_is_refused_and_never_forwarded) {
  auto& d = deployment();
  const std::vector<std::string> attacks{
      "POST /static/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /static/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
      "POST /static/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
      "POST /static/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
      "POST /static/a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET /static/a HTTP/1.1\r\n\r\n",
      "GET /static/a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
      "GET /static/../admin HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /static/%2e%2e/admin HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /static/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
      // obs-fold (RFC 9112 §5.2), which Beast would otherwise unfold silently.
      "GET /static/a HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
      "GET /static/a HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tb\r\n\r\n",
  };
  const std::size_t before = d.upstream_record_count();
  for (const auto& attack : attacks) {
    const std::string answer = d.raw_exchange(attack);
    BOOST_TEST_CONTEXT(attack) { BOOST_TEST(answer.substr(0, 12).ends_with(" 400")); }
  }
  BOOST_TEST(d.upstream_record_count() == before);
}

BOOST_AUTO_TEST_CASE(stalled_request_head_gets_408_and_the_proxy_keeps_serving) {
  auto& d = deployment();
  // Half a head, then silence (slowloris): server.header_timeout is 1 s in this deployment.
  const auto started = std::chrono::steady_clock::now();
  const std::string answer = d.raw_exchange("GET /static/a HTTP/1.1\r\nHost: x\r\n");
  BOOST_TEST(answer.rfind("HTTP/1.1 408", 0) == 0);
  BOOST_CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  BOOST_TEST(d.curl("/static/after").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

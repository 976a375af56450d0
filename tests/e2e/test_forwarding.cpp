// What the upstream receives: no client credentials, no spoofed identity, the proxy headers.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

BOOST_AUTO_TEST_SUITE(forwarding)

namespace {
std::string app_password_for_frank() {
  static const std::string password = [] {
    deployment().add_user("frank", "frank-account-pw", true, "frank@example.com");
    return deployment().new_app_password("frank", "webdav");
  }();
  return password;
}
}  // namespace

BOOST_AUTO_TEST_CASE(spoofed_identity_headers_are_removed_in_any_spelling) {
  auto& d = deployment();
  const auto result = d.curl(
      "/x", {"-u", "frank:" + app_password_for_frank(), "-H", "X-Forwarded-User: root", "-H",
             "x-forwarded-email: root@evil", "-H", "X_Forwarded_User: root2", "-H",
             "X-Remote-User: root3", "-H", "X-Forwarded-For: 6.6.6.6", "-H",
             "Forwarded: for=6.6.6.6"});
  BOOST_TEST(result.status == 200);
  const auto record = d.upstream_records().back();
  BOOST_TEST(record_header_count(record, "X-Forwarded-User") == 1u);
  BOOST_TEST(record_header(record, "X-Forwarded-User") == "frank");
  BOOST_TEST(record_header(record, "X-Forwarded-Email") == "frank@example.com");
  BOOST_TEST(record_header_count(record, "X_Forwarded_User") == 0u);
  // Configured on another route only: still never passed through from a client.
  BOOST_TEST(record_header_count(record, "X-Remote-User") == 0u);
  BOOST_TEST(record_header(record, "X-Forwarded-For") == "127.0.0.1");
  BOOST_TEST(record_header_count(record, "Forwarded") == 0u);
  BOOST_TEST(record_header(record, "X-Forwarded-Proto") == "http");
  BOOST_TEST(record_header(record, "X-Forwarded-Host") == "127.0.0.1:" + std::to_string(d.proxy_port()));
  BOOST_TEST(record_header(record, "Via") == "1.1 latchkey");
  BOOST_TEST(record_header_count(record, "Authorization") == 0u);
}

BOOST_AUTO_TEST_CASE(hop_by_hop_and_connection_named_headers_are_removed) {
  auto& d = deployment();
  const auto result =
      d.curl("/x", {"-u", "frank:" + app_password_for_frank(), "-H", "Connection: X-Secret-Hop",
                    "-H", "X-Secret-Hop: 1", "-H", "Proxy-Authorization: Basic Zm9vOmJhcg==",
                    "-H", "Keep-Alive: timeout=5", "-H", "X-Kept: yes"});
  BOOST_TEST(result.status == 200);
  const auto record = d.upstream_records().back();
  BOOST_TEST(record_header_count(record, "X-Secret-Hop") == 0u);
  BOOST_TEST(record_header_count(record, "Proxy-Authorization") == 0u);
  BOOST_TEST(record_header_count(record, "Keep-Alive") == 0u);
  BOOST_TEST(record_header(record, "X-Kept") == "yes");
}

BOOST_AUTO_TEST_CASE(public_route_forwards_no_identity_and_no_credentials) {
  auto& d = deployment();
  const auto result = d.curl("/static/logo.png", {"-u", "frank:" + app_password_for_frank(), "-H",
                                                  "X-Forwarded-User: root"});
  BOOST_TEST(result.status == 200);
  const auto record = d.upstream_records().back();
  BOOST_TEST(std::string(record.at("path").as_string()) == "/static/logo.png");
  BOOST_TEST(record_header_count(record, "X-Forwarded-User") == 0u);
  BOOST_TEST(record_header_count(record, "Authorization") == 0u);
}

BOOST_AUTO_TEST_CASE(keep_alive_carries_several_requests_on_one_client_connection) {
  auto& d = deployment();
  const std::string password = app_password_for_frank();
  const std::size_t before = d.upstream_record_count();
  // One curl, three URLs; after each transfer curl prints how many connections it opened.
  const auto result = d.curl("/one", {"-u", "frank:" + password, "-w", "<%{num_connects}>",
                                      d.base_url() + "/two", d.base_url() + "/three"});
  BOOST_TEST(result.status == 200);
  BOOST_TEST(d.upstream_record_count() == before + 3);
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = result.body.find(needle); pos != std::string::npos;
         pos = result.body.find(needle, pos + 1)) {
      ++n;
    }
    return n;
  };
  BOOST_TEST(count("<1>") == 1u);
  BOOST_TEST(count("<0>") == 2u);
}

// A body-less answer whose headers describe a body (HEAD of a chunked resource, 304) must not
// be followed by stray body bytes: the next response on the connection would be corrupted.
BOOST_AUTO_TEST_CASE(bodyless_responses_keep_the_connection_in_step) {
  auto& d = deployment();
  const std::string answer = d.raw_exchange(
      "HEAD /chunked?bytes=1000 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /status?code=304 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /status?code=204 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /static/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto second = answer.find("HTTP/1.1 304");
  const auto third = answer.find("HTTP/1.1 204");
  const auto fourth = answer.find("HTTP/1.1 200", 1);
  BOOST_TEST(answer.rfind("HTTP/1.1 200", 0) == 0);
  BOOST_TEST_REQUIRE(second != std::string::npos);
  BOOST_TEST_REQUIRE(third != std::string::npos);
  BOOST_TEST_REQUIRE(fourth != std::string::npos);
  // Each response head ends exactly where the next status line begins.
  BOOST_TEST(answer.substr(second - 4, 4) == "\r\n\r\n");
  BOOST_TEST(answer.substr(third - 4, 4) == "\r\n\r\n");
  BOOST_TEST(answer.substr(fourth - 4, 4) == "\r\n\r\n");
  BOOST_TEST(answer.find("\r\n0\r\n") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(upstream_by_host_name_is_resolved) {
  // The public-status route names its upstream "localhost".
  BOOST_TEST(deployment().curl("/status?code=200").status == 200);
}

BOOST_AUTO_TEST_CASE(responses_carry_every_via_hop) {
  const auto result = deployment().curl("/static/via");
  BOOST_TEST(result.header("Via") == "1.1 latchkey");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

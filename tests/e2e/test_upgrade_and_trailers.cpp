// Hop-by-hop negotiation that latchkey does not carry: protocol upgrades (RFC 9110 §7.8) are
// removed from what the upstream receives, h2c is never honoured, and chunked trailers never
// reach the upstream, so credentials or framing fields in them cannot take effect.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "tests/e2e/deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {

namespace {
using std::chrono::seconds;

std::string base64(const std::string& text) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
    if (i + 2 < text.size()) n |= static_cast<unsigned char>(text[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < text.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < text.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(upgrade_and_trailers)

BOOST_AUTO_TEST_CASE(a_websocket_upgrade_is_removed_and_the_request_served_as_plain_http) {
  auto& d = deployment();
  RawConnection connection(d.proxy_port());
  connection.send(
      "GET /static/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  const auto response = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 200);
  BOOST_TEST(response->header("Upgrade").empty());
  const auto record = d.upstream_records().back();
  BOOST_TEST(record.at("path").as_string() == "/static/ws");
  BOOST_TEST(record_header_count(record, "Upgrade") == 0u);
  BOOST_TEST(record_header(record, "Connection").empty());
  // The connection still speaks HTTP/1.1 afterwards.
  connection.send("GET /static/after-ws HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto next = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(next.has_value());
  BOOST_TEST(next->status == 200);
}

BOOST_AUTO_TEST_CASE(h2c_is_never_honoured) {
  auto& d = deployment();
  for (const std::string connection_field :
       {"Connection: Upgrade, HTTP2-Settings\r\n", ""}) {  // listed in Connection, or not
    BOOST_TEST_CONTEXT(connection_field) {
      RawConnection connection(d.proxy_port());
      connection.send("GET /static/h2c HTTP/1.1\r\nHost: x\r\n" + connection_field +
                      "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
      const auto response = connection.read_response(seconds(5));
      BOOST_TEST_REQUIRE(response.has_value());
      BOOST_TEST(response->status == 200);  // not 101: the answer is HTTP/1.1
      const auto record = d.upstream_records().back();
      BOOST_TEST(record_header_count(record, "Upgrade") == 0u);
      BOOST_TEST(record_header_count(record, "HTTP2-Settings") == 0u);
    }
  }
}

// Beast adds trailer fields to the message's own. With an empty body the last chunk and its
// trailers arrive before the head has gone upstream: they must not go out in it.
BOOST_AUTO_TEST_CASE(trailer_fields_never_reach_the_upstream) {
  auto& d = deployment();
  for (const std::string first_chunk : {"5\r\nhello\r\n", ""}) {
    BOOST_TEST_CONTEXT("first chunk: " << (first_chunk.empty() ? "the last one" : "5 bytes")) {
      const auto exchange = raw_exchange_at(
          d.proxy_port(),
          "POST /static/trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
          "Trailer: Authorization, X-Forwarded-User\r\n\r\n" +
              first_chunk +
              "0\r\n"
              "Authorization: Basic YWRtaW46c2VjcmV0\r\n"
              "X-Forwarded-User: admin\r\n"
              "X-Forwarded-For: 203.0.113.66\r\n"
              "Cookie: JSESSIONID=stolen\r\n"
              "Host: evil.example\r\n\r\n");
      BOOST_TEST(exchange.answer.rfind("HTTP/1.1 200", 0) == 0);
      const auto record = d.upstream_records().back();
      BOOST_TEST(record.at("path").as_string() == "/static/trailers");
      BOOST_TEST(record.at("body_bytes").as_int64() == (first_chunk.empty() ? 0 : 5));
      BOOST_TEST(record.at("trailers").as_array().empty());
      for (const char* name : {"Authorization", "X-Forwarded-User", "Trailer", "Cookie"}) {
        BOOST_TEST_CONTEXT(name) {
          BOOST_TEST(record_header_count(record, name) == 0u);
        }
      }
      BOOST_TEST(record_header_count(record, "Host") == 1u);
      BOOST_TEST(record_header(record, "Host") != "evil.example");
      BOOST_TEST(record_header(record, "X-Forwarded-For") == "127.0.0.1");
      BOOST_TEST(record_header(record, "Transfer-Encoding") == "chunked");
    }
  }
}

BOOST_AUTO_TEST_CASE(framing_fields_in_trailers_are_refused) {
  auto& d = deployment();
  for (const std::string trailer : {"Content-Length: 999", "Transfer-Encoding: gzip"}) {
    BOOST_TEST_CONTEXT(trailer) {
      const std::size_t before = d.upstream_record_count();
      const auto exchange = raw_exchange_at(
          d.proxy_port(),
          "POST /static/trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\nhello\r\n0\r\n" +
              trailer + "\r\n\r\n");
      BOOST_TEST(exchange.answer.rfind("HTTP/1.1 400", 0) == 0);
      BOOST_TEST(exchange.closed);
      BOOST_TEST(d.upstream_record_count() == before);
    }
  }
}

BOOST_AUTO_TEST_CASE(credentials_in_trailers_do_not_authenticate) {
  auto& d = deployment();
  d.add_user("trailer-user", "trailer-account-pw", false);
  const std::string app = d.new_app_password("trailer-user", "trailer test");
  const std::size_t before = d.upstream_record_count();
  // The tracker route requires credentials; valid ones arrive only after the body.
  RawConnection connection(d.proxy_port());
  connection.send(
      "POST /late-credentials HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\nAuthorization: Basic " +
      base64("trailer-user:" + app) + "\r\n\r\n");
  const auto response = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 401);
  BOOST_TEST(d.upstream_record_count() == before);
  // The same credentials in the head are accepted (the app password is valid).
  BOOST_TEST(d.curl("/late-credentials", {"-u", "trailer-user:" + app}).status == 200);
}

// Beast's parser throws for a field over 65,533 bytes; from a trailer, which no header limit
// bounds, that once escaped the IO thread and ended the process.
BOOST_AUTO_TEST_CASE(a_trailer_field_too_long_to_parse_is_400_and_the_process_lives) {
  auto& d = deployment();
  const auto exchange = raw_exchange_at(
      d.proxy_port(),
      "POST /static/long-trailer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\nX-Long: " +
          std::string(70000, 'a') + "\r\n\r\n");
  BOOST_TEST(exchange.answer.rfind("HTTP/1.1 400", 0) == 0, exchange.answer.substr(0, 200));
  BOOST_TEST(exchange.closed);
  BOOST_TEST(d.curl("/static/after-long-trailer").status == 200);
  BOOST_TEST(!d.log_contains("io_handler_failed"));
}

BOOST_AUTO_TEST_CASE(a_huge_trailer_section_is_refused_with_bounded_memory) {
  auto& d = deployment();
  const std::size_t before = d.upstream_record_count();
  std::string flood;
  for (int i = 0; flood.size() < 400 * 1024; ++i) flood += "X-T" + std::to_string(i) + ": v\r\n";
  const auto exchange =
      raw_exchange_at(d.proxy_port(),
                      "POST /static/flood HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n0\r\n" +
                          flood + "\r\n");
  BOOST_TEST(exchange.closed);
  BOOST_TEST(exchange.answer.find(" 200 ") == std::string::npos);
  BOOST_TEST(d.upstream_record_count() == before);
  BOOST_TEST(d.curl("/static/after-flood").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

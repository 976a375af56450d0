// The request smuggling catalogue (DESIGN.md §5.6), end to end over raw bytes: every row is
// sent to the real latchkey on its own connection; each must be refused (or the connection
// closed) and NOTHING of it may reach the upstream as a request. The recording upstream
// records every request it receives in full, so a smuggled one would show up there.
// Rows with a body may have their head relayed before the body turns out malformed (bodies
// stream); the upstream then sees an aborted request, which it never records as received.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {

namespace {

using namespace std::string_literals;

constexpr std::string_view kClosed = "closed";  // no answer required, only a closed connection

struct Attack {
  std::string name;
  std::string bytes;
  std::string_view expected;  // "400", "431", ... or kClosed
};

// A request head to the `auth: none` route, with `fields` (each ending in CRLF) and `body`.
std::string post(const std::string& fields, const std::string& body = "") {
  return "POST /static/a HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n" + body;
}
std::string chunked(const std::string& body) {
  return post("Transfer-Encoding: chunked\r\n", body);
}
std::string get_with(const std::string& fields) {
  return "GET /static/a HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
}
const std::string kSmuggled = "GET /static/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

std::vector<Attack> catalogue() {
  return {
      // CL.TE and TE.CL: both framings present (RFC 9112 §6.1).
      {"cl_te", post("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), "400"},
      {"te_cl", post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "0\r\n\r\n"), "400"},
      {"cl_te_smuggles_a_get",
       post("Content-Length: 48\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + kSmuggled),
       "400"},
      {"te_cl_smuggles_a_body",
       post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "8\r\nSMUGGLED\r\n0\r\n\r\n"),
       "400"},
      // TE.TE: an obfuscated Transfer-Encoding one side ignores.
      {"te_xchunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"), "400"},
      {"te_space_before_colon", post("Transfer-Encoding : chunked\r\n", "0\r\n\r\n"), "400"},
      {"te_extra_spaces_with_cl",
       post("Content-Length: 5\r\nTransfer-Encoding:   chunked\r\n", "0\r\n\r\n"), "400"},
      {"te_tab_before_value_with_cl",
       post("Content-Length: 5\r\nTransfer-Encoding:\tchunked\r\n", "0\r\n\r\n"), "400"},
      {"te_chunked_identity", post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"), "400"},
      {"te_identity_chunked", post("Transfer-Encoding: identity, chunked\r\n", "0\r\n\r\n"), "400"},
      {"te_duplicate_headers",
       post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), "400"},
      {"te_chunked_twice_in_list", post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"),
       "400"},
      {"te_gzip", post("Transfer-Encoding: gzip\r\n", "abc"), "400"},
      {"te_quoted", post("Transfer-Encoding: \"chunked\"\r\n", "0\r\n\r\n"), "400"},
      {"te_uppercase_with_cl",
       post("Content-Length: 5\r\nTransfer-Encoding: CHUNKED\r\n", "0\r\n\r\n"), "400"},
      {"te_vertical_tab",
       post("Transfer-Encoding: \x0b"
            "chunked\r\n",
            "0\r\n\r\n"),
       "400"},
      {"te_folded", post("Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n"), "400"},
      {"te_empty_with_cl", post("Transfer-Encoding: \r\nContent-Length: 5\r\n", "0\r\n\r\n"),
       "400"},
      {"te_on_http10",
       "POST /static/a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"},
      // Content-Length that parsers read differently.
      {"cl_duplicate_equal", post("Content-Length: 5\r\nContent-Length: 5\r\n", "abcde"), "400"},
      {"cl_duplicate_conflicting", post("Content-Length: 5\r\nContent-Length: 6\r\n", "abcdef"),
       "400"},
      {"cl_list", post("Content-Length: 5, 5\r\n", "abcde"), "400"},
      {"cl_plus_sign", post("Content-Length: +5\r\n", "abcde"), "400"},
      {"cl_negative", post("Content-Length: -5\r\n", "abcde"), "400"},
      {"cl_hex", post("Content-Length: 0x5\r\n", "abcde"), "400"},
      {"cl_space_inside", post("Content-Length: 1 0\r\n", "abcdefghij"), "400"},
      {"cl_overflow", post("Content-Length: 99999999999999999999999\r\n", "abcde"), "400"},
      {"cl_space_before_colon", post("Content-Length : 5\r\n", "abcde"), "400"},
      {"cl_empty", post("Content-Length: \r\n", "abcde"), "400"},
      {"cl_trailing_garbage", post("Content-Length: 5abc\r\n", "abcde"), "400"},
      // Line endings and characters (RFC 9112 §2.2, §5).
      {"obs_fold_space", get_with("X-Folded: a\r\n b\r\n"), "400"},
      {"obs_fold_tab", get_with("X-Folded: a\r\n\tb\r\n"), "400"},
      {"whitespace_before_first_field", "GET /static/a HTTP/1.1\r\n Host: x\r\n\r\n", "400"},
      {"bare_lf_everywhere", "GET /static/a HTTP/1.1\nHost: x\n\n", "400"},
      {"bare_lf_one_line", "GET /static/a HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", "400"},
      {"bare_cr", "GET /static/a HTTP/1.1\r\nHost: x\rX-Injected: y\r\n\r\n", "400"},
      {"nul_in_value", get_with("X-A: a\0b\r\n"s), "400"},
      {"nul_in_name", get_with("X-\0A: b\r\n"s), "400"},
      {"control_character_in_value",
       get_with("X-A: a\x01"
                "b\r\n"),
       "400"},
      {"del_in_value",
       get_with("X-A: a\x7f"
                "b\r\n"),
       "400"},
      {"space_before_colon", "GET /static/a HTTP/1.1\r\nHost : x\r\n\r\n", "400"},
      {"space_inside_name", get_with("X A: b\r\n"), "400"},
      {"field_without_colon", get_with("Garbage\r\n"), "400"},
      // Host (RFC 9112 §3.2).
      {"missing_host_on_http11", "GET /static/a HTTP/1.1\r\n\r\n", "400"},
      {"duplicate_host", "GET /static/a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "400"},
      {"empty_host", "GET /static/a HTTP/1.1\r\nHost: \r\n\r\n", "400"},
      {"host_with_userinfo", "GET /static/a HTTP/1.1\r\nHost: user@evil\r\n\r\n", "400"},
      {"host_with_path", "GET /static/a HTTP/1.1\r\nHost: evil/x\r\n\r\n", "400"},
      // Request line and target.
      {"absolute_form_target", "GET http://evil.example/static/a HTTP/1.1\r\nHost: x\r\n\r\n",
       "400"},
      {"authority_form_connect", "CONNECT evil.example:443 HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"asterisk_form_on_get", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"http09_request", "GET /static/a\r\n\r\n", "400"},
      {"http2_version", "GET /static/a HTTP/2.0\r\nHost: x\r\n\r\n", "400"},
      {"double_space_in_request_line", "GET  /static/a HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"tab_in_request_line", "GET\t/static/a HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"lowercase_http_version", "GET /static/a http/1.1\r\nHost: x\r\n\r\n", "400"},
      {"dot_segment", "GET /static/../admin HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"encoded_dot_segment", "GET /static/%2e%2e/admin HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"backslash_in_path", "GET /static\\..\\admin HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      // Chunk sizes and chunk lines (RFC 9112 §7.1).
      {"chunk_size_not_hex", chunked("zz\r\nabc\r\n0\r\n\r\n"), "400"},
      {"chunk_size_hex_overflow", chunked("fffffffffffffffff1\r\nabc\r\n0\r\n\r\n"), "400"},
      {"chunk_size_negative", chunked("-1\r\nabc\r\n0\r\n\r\n"), "400"},
      {"chunk_size_plus", chunked("+5\r\nabcde\r\n0\r\n\r\n"), "400"},
      {"chunk_size_0x_prefix", chunked("0x5\r\nabcde\r\n0\r\n\r\n"), "400"},
      {"chunk_size_trailing_garbage", chunked("5 x\r\nabcde\r\n0\r\n\r\n"), "400"},
      {"chunk_extension_control_character", chunked("5;a\x01=b\r\nabcde\r\n0\r\n\r\n"), "400"},
      // Beast waits for the closing quote or CRLF: the connection ends without an answer.
      {"chunk_extension_unterminated_quote", chunked("5;a=\"b\r\nabcde\r\n0\r\n\r\n"), kClosed},
      {"chunk_data_longer_than_size", chunked("5\r\nabcdefg\r\n0\r\n\r\n"), "400"},
      {"chunk_data_without_crlf", chunked("5\r\nabcde0\r\n\r\n"), "400"},
      {"chunk_lines_with_bare_lf", chunked("5\nabcde\n0\n\n"), kClosed},
      {"missing_final_crlf", chunked("5\r\nabcde\r\n0\r\n"), kClosed},
      {"missing_last_chunk", chunked("5\r\nabcde\r\n"), kClosed},
      {"oversize_chunk_size_line",
       chunked(std::string(300 * 1024, '0') + "5\r\nabcde\r\n0\r\n\r\n"), "400"},
      {"oversize_chunk_extension",
       chunked("5;" + std::string(300 * 1024, 'a') + "\r\nabcde\r\n0\r\n\r\n"), "400"},
      // Requests pipelined behind a smuggled or malformed body never run.
      {"get_pipelined_after_bad_chunk", chunked("zz\r\n\r\n" + kSmuggled), "400"},
      {"get_hidden_in_te_body_with_cl",
       post("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
            "2c\r\n" + kSmuggled + "\r\n0\r\n\r\n"),
       "400"},
      {"get_after_http10_te_body",
       "POST /static/a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
           kSmuggled,
       "400"},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(framing_catalogue)

BOOST_AUTO_TEST_CASE(every_attack_is_refused_and_nothing_reaches_the_upstream) {
  auto& d = deployment();
  const auto attacks = catalogue();
  BOOST_TEST_MESSAGE("framing catalogue: " << attacks.size() << " cases");
  BOOST_TEST(attacks.size() >= 40u);
  const std::size_t before = d.upstream_record_count();
  for (const Attack& attack : attacks) {
    BOOST_TEST_CONTEXT(attack.name) {
      const std::size_t records = d.upstream_record_count();
      const RawExchange exchange = raw_exchange_at(d.proxy_port(), attack.bytes);
      BOOST_TEST(exchange.closed);  // the connection never carries anything after it
      if (attack.expected != kClosed) {
        // HTTP/1.0 requests are answered in HTTP/1.0.
        BOOST_TEST(exchange.answer.substr(0, 7) == "HTTP/1.");
        BOOST_TEST(exchange.answer.substr(8, 4) == " " + std::string(attack.expected));
      }
      // One answer at most: a second would mean a smuggled request was served.
      BOOST_TEST(exchange.answer.find("HTTP/1.", 1) == std::string::npos);
      BOOST_TEST(exchange.answer.find(" 200 ") == std::string::npos);
      BOOST_TEST(d.upstream_record_count() == records);
    }
  }
  // Nothing turns up late either.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  BOOST_TEST(d.upstream_record_count() == before);
  // And the proxy still serves.
  BOOST_TEST(d.curl("/static/after-catalogue").status == 200);
}

// RFC 9112 §2.2: a server SHOULD ignore empty lines before a request line; clients send a CRLF
// after a POST body. The request after it is served, not refused.
BOOST_AUTO_TEST_CASE(empty_lines_before_a_request_line_are_ignored) {
  auto& d = deployment();
  const std::size_t before = d.upstream_record_count();
  const RawExchange exchange = raw_exchange_at(
      d.proxy_port(),
      "\r\n\r\nPOST /static/crlf-a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\r\n"
      "GET /static/crlf-b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_TEST(exchange.answer.rfind("HTTP/1.1 200", 0) == 0u, exchange.answer);
  BOOST_TEST(exchange.answer.find("HTTP/1.1 200", 1) != std::string::npos, exchange.answer);
  BOOST_TEST(exchange.answer.find(" 400 ") == std::string::npos);
  BOOST_TEST_REQUIRE(d.upstream_record_count() == before + 2);
  BOOST_TEST(d.upstream_records().back().at("path").as_string() == "/static/crlf-b");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

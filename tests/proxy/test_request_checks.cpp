#define BOOST_TEST_DYN_LINK
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "proxy/request_checks.hpp"
#include "proxy/router.hpp"

namespace http = boost::beast::http;
using namespace std::string_literals;
using latchkey::proxy::request_head_problem;
using latchkey::proxy::RequestHeader;

namespace {

// Outcomes besides a refusal reason.
constexpr std::string_view kAccepted = "accepted";
constexpr std::string_view kParserRefuses = "refused by Beast's parser";

// Parses a request head as the session does; nullopt when Beast's parser refuses it.
std::optional<RequestHeader> parse_head(std::string_view raw) {
  http::request_parser<http::empty_body> parser;
  parser.eager(false);
  parser.body_limit(boost::none);  // the session streams bodies of any length
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  if (ec || !parser.is_header_done()) return std::nullopt;
  return parser.get().base();
}

// What happens to a raw request head before routing: refused (and why) or accepted.
std::string outcome(std::string_view raw) {
  const auto head = parse_head(raw);
  if (!head) return std::string(kParserRefuses);
  const auto problem = request_head_problem(*head);
  return std::string(problem ? *problem : kAccepted);
}

struct RawCase {
  std::string_view name;
  std::string raw;
  std::string_view expected;
};

void check(const std::vector<RawCase>& cases) {
  for (const RawCase& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(outcome(c.raw) == c.expected);
    }
  }
}

RequestHeader header(http::verb method, std::string_view target, unsigned version,
                     const std::vector<std::pair<std::string, std::string>>& fields) {
  RequestHeader h;
  h.method(method);
  h.target(target);
  h.version(version);
  for (const auto& [name, value] : fields) h.insert(name, value);
  return h;
}

std::string problem_of(const RequestHeader& h) {
  const auto problem = request_head_problem(h);
  return std::string(problem ? *problem : kAccepted);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_checks)

BOOST_AUTO_TEST_CASE(ordinary_requests_pass) {
  check({
      {"plain GET", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", kAccepted},
      {"query with dot-dots is data, not a path",
       "GET /search?q=../../etc/passwd&next=/a/./b HTTP/1.1\r\nHost: h\r\n\r\n", kAccepted},
      {"dots inside segment names", "GET /a/..b/c..d/.../.hidden/v1.2 HTTP/1.1\r\nHost: h\r\n\r\n",
       kAccepted},
      {"percent-encoded ordinary bytes", "GET /a%20b/%41 HTTP/1.1\r\nHost: h\r\n\r\n", kAccepted},
      {"POST with Content-Length", "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n",
       kAccepted},
      {"Content-Length 0", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", kAccepted},
      {"Content-Length with optional whitespace",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:   5  \r\n\r\n", kAccepted},
      {"chunked POST on 1.1",
       "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", kAccepted},
      {"chunked in upper case", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n",
       kAccepted},
      {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", kAccepted},
      {"HTTP/1.0 with Host", "GET / HTTP/1.0\r\nHost: h\r\n\r\n", kAccepted},
      {"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", kAccepted},
      {"tab and obs-text in a value",
       "GET / HTTP/1.1\r\nHost: h\r\nX-Note: caf\xc3\xa9\tau lait\r\n\r\n", kAccepted},
  });
}

BOOST_AUTO_TEST_CASE(ambiguous_framing_is_refused) {
  check({
      // CL.TE / TE.CL smuggling: Beast refuses both orders itself.
      {"Content-Length then Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
       kParserRefuses},
      {"Transfer-Encoding then Content-Length",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
       kParserRefuses},
      // An HTTP/1.0 upstream would ignore chunking and read the chunks as the next request.
      {"chunked on HTTP/1.0", "POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
       "transfer_encoding_on_http10"},
      // Codings other than a single chunked leave the body length to guesswork.
      {"gzip alone", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
       "unsupported_transfer_encoding"},
      {"gzip, chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "unsupported_transfer_encoding"},
      {"chunked, gzip", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
       "unsupported_transfer_encoding"},
      {"chunked, chunked",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
       "unsupported_transfer_encoding"},
      {"empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n",
       "unsupported_transfer_encoding"},
      {"unknown coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n",
       "unsupported_transfer_encoding"},
      // Split over two fields: Beast refuses the second Transfer-Encoding.
      {"chunked and gzip in two fields",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n"
       "Transfer-Encoding: gzip\r\n\r\n",
       kParserRefuses},
      // Two lengths: one hop may use the first, the next the last.
      {"two equal Content-Length",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
       "duplicate_content_length"},
      {"two different Content-Length (Beast refuses)",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       kParserRefuses},
      {"Content-Length as a list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n",
       "malformed_content_length"},
      // Lenient number parsers upstream read these differently; Beast refuses them.
      {"Content-Length +5", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n",
       kParserRefuses},
      {"Content-Length -5", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n",
       kParserRefuses},
      {"Content-Length 5 5", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 5\r\n\r\n",
       kParserRefuses},
      {"Content-Length 0x5", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n",
       kParserRefuses},
      {"empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n",
       kParserRefuses},
      {"Content-Length overflowing 64 bits",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n",
       kParserRefuses},
      // Header injection: Beast refuses raw control characters and bare CR in values.
      {"SOH in a value",
       "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01"
       "b\r\n\r\n",
       kParserRefuses},
      {"NUL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"s, kParserRefuses},
      {"DEL in a value",
       "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f"
       "b\r\n\r\n",
       kParserRefuses},
      {"bare CR in a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", kParserRefuses},
      {"space before the colon", "GET / HTTP/1.1\r\nHost: h\r\nX-A : a\r\n\r\n", kParserRefuses},
      {"obs-fold inside Content-Length",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n 5\r\n\r\n", kParserRefuses},
  });
}

BOOST_AUTO_TEST_CASE(framing_refused_even_when_the_parser_lets_it_through) {
  // Built directly: Beast's parser refuses these first, the checks must refuse them too.
  using F = std::vector<std::pair<std::string, std::string>>;
  const struct {
    std::string_view name;
    RequestHeader head;
    std::string_view expected;
  } cases[] = {
      {"CL then TE",
       header(http::verb::post, "/", 11,
              F{{"Host", "h"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}),
       "content_length_with_transfer_encoding"},
      {"TE then CL",
       header(http::verb::post, "/", 11,
              F{{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}),
       "content_length_with_transfer_encoding"},
      {"two different lengths",
       header(http::verb::post, "/", 11,
              F{{"Host", "h"}, {"Content-Length", "5"}, {"Content-Length", "6"}}),
       "duplicate_content_length"},
      {"CL +5", header(http::verb::post, "/", 11, F{{"Host", "h"}, {"Content-Length", "+5"}}),
       "malformed_content_length"},
      {"CL -5", header(http::verb::post, "/", 11, F{{"Host", "h"}, {"Content-Length", "-5"}}),
       "malformed_content_length"},
      {"CL 0x5", header(http::verb::post, "/", 11, F{{"Host", "h"}, {"Content-Length", "0x5"}}),
       "malformed_content_length"},
      {"CL 5 5", header(http::verb::post, "/", 11, F{{"Host", "h"}, {"Content-Length", "5 5"}}),
       "malformed_content_length"},
      {"CL empty", header(http::verb::post, "/", 11, F{{"Host", "h"}, {"Content-Length", ""}}),
       "malformed_content_length"},
      {"CL 20 digits",
       header(http::verb::post, "/", 11,
              F{{"Host", "h"}, {"Content-Length", "18446744073709551616"}}),
       "malformed_content_length"},
      {"chunked twice in two fields",
       header(http::verb::post, "/", 11,
              F{{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}),
       "unsupported_transfer_encoding"},
      {"chunked then gzip in two fields",
       header(http::verb::post, "/", 11,
              F{{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}),
       "unsupported_transfer_encoding"},
      // CRLF in a value would start a forged header (or request) on the upstream connection.
      {"CRLF in a value",
       header(http::verb::get, "/", 11, F{{"Host", "h"}, {"X-A", "a\r\nX-Forwarded-User: root"}}),
       "control_character_in_header"},
      {"LF in a value", header(http::verb::get, "/", 11, F{{"Host", "h"}, {"X-A", "a\nb"}}),
       "control_character_in_header"},
      {"CR in a value", header(http::verb::get, "/", 11, F{{"Host", "h"}, {"X-A", "a\rb"}}),
       "control_character_in_header"},
      {"NUL in a value", header(http::verb::get, "/", 11, F{{"Host", "h"}, {"X-A", "a\0b"s}}),
       "control_character_in_header"},
      {"SOH in a value", header(http::verb::get, "/", 11, F{{"Host", "h"}, {"X-A", "\x01"}}),
       "control_character_in_header"},
      {"DEL in a value", header(http::verb::get, "/", 11, F{{"Host", "h"}, {"X-A", "\x7f"}}),
       "control_character_in_header"},
      {"CRLF in Host", header(http::verb::get, "/", 11, F{{"Host", "h\r\nX-A: b"}}),
       "control_character_in_header"},
      {"tab is allowed", header(http::verb::get, "/", 11, F{{"Host", "h"}, {"X-A", "a\tb"}}),
       kAccepted},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(problem_of(c.head) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(obs_fold_never_reaches_the_upstream) {
  // Beast unfolds obs-fold into a space (RFC 9112 §5.2 lets a proxy do that); what is
  // forwarded must be one line, never the fold itself.
  const auto head = parse_head("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n");
  BOOST_TEST_REQUIRE(head.has_value());
  const std::string value{(*head)["X-A"]};
  BOOST_TEST(value.find_first_of("\r\n") == std::string::npos);
  BOOST_TEST(problem_of(*head) == kAccepted);
}

BOOST_AUTO_TEST_CASE(host_must_be_present_once_on_http11) {
  check({
      {"missing Host on 1.1", "GET / HTTP/1.1\r\n\r\n", "missing_host"},
      {"empty Host on 1.1", "GET / HTTP/1.1\r\nHost: \r\n\r\n", "missing_host"},
      // Two Hosts: latchkey could route on one while the upstream serves the other.
      {"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "duplicate_host"},
      {"duplicate equal Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "duplicate_host"},
      {"duplicate Host on 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "duplicate_host"},
      {"Host absent on 1.0", "GET / HTTP/1.0\r\n\r\n", kAccepted},
  });
}

BOOST_AUTO_TEST_CASE(host_with_an_invalid_value_is_refused) {
  // RFC 9112 §3.2: a Host that is not uri-host[:port] must get 400; otherwise it is routed
  // to the host-less routes and forwarded as X-Forwarded-Host for the upstream to trust.
  for (const std::string_view host : {"a b", "evil.example/x", "user@evil.example"}) {
    BOOST_TEST_CONTEXT("Host: " << host) {
      BOOST_TEST(outcome("GET / HTTP/1.1\r\nHost: "s + std::string(host) + "\r\n\r\n") !=
                 kAccepted);
    }
  }
}

BOOST_AUTO_TEST_CASE(targets_that_could_escape_the_matched_route_are_refused) {
  check({
      // Dot-segments: the upstream would resolve them to a path outside the route.
      {"/a/../b", "GET /a/../b HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/a/./b", "GET /a/./b HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/..", "GET /.. HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/.", "GET /. HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"trailing /..", "GET /public/.. HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/.. before a query", "GET /public/..?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
       "dot_segment_in_path"},
      // The same, percent-encoded, for upstreams that decode before resolving.
      {"/%2e%2e/x", "GET /%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/%2E%2e/x", "GET /%2E%2e/x HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/.%2e/x", "GET /.%2e/x HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/%2e/x", "GET /%2e/x HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"trailing /%2e%2e", "GET /public/%2e%2e HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      // Encoded slashes turn one segment into several.
      {"/a%2f..%2fb", "GET /a%2f..%2fb HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      {"/a%2F%2e%2e%2Fb", "GET /a%2F%2e%2e%2Fb HTTP/1.1\r\nHost: h\r\n\r\n", "dot_segment_in_path"},
      // Backslashes: Windows and some frameworks treat them as '/'.
      {"/a\\b", "GET /a\\b HTTP/1.1\r\nHost: h\r\n\r\n", "backslash_in_path"},
      {"/public\\..\\admin", "GET /public\\..\\admin HTTP/1.1\r\nHost: h\r\n\r\n",
       "backslash_in_path"},
      {"/a%5cb", "GET /a%5cb HTTP/1.1\r\nHost: h\r\n\r\n", "backslash_in_path"},
      {"/a%5Cb", "GET /a%5Cb HTTP/1.1\r\nHost: h\r\n\r\n", "backslash_in_path"},
      // Beast accepts a '#' in the target; what follows is still path to a lenient upstream.
      {"fragment hiding /..", "GET /public#/../admin HTTP/1.1\r\nHost: h\r\n\r\n",
       "dot_segment_in_path"},
      // Only origin-form is routed: the authority in these would bypass Host-based routing.
      {"absolute-form", "GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n", "target_not_origin_form"},
      {"absolute-form to an internal host",
       "GET http://admin.internal/secret HTTP/1.1\r\nHost: h\r\n\r\n", "target_not_origin_form"},
      {"authority-form", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", "target_not_origin_form"},
      {"CONNECT to a path", "CONNECT /static/x HTTP/1.1\r\nHost: h\r\n\r\n", "connect_method"},
      {"* with GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", "target_not_origin_form"},
      {"* with OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", kAccepted},
      {"relative path", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", "target_not_origin_form"},
  });
}

BOOST_AUTO_TEST_CASE(checks_run_framing_then_host_then_target) {
  // The reason logged is the first problem, so the order is part of the contract.
  check({
      {"framing before host",
       "POST /a/../b HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
       "duplicate_content_length"},
      {"host before target", "GET /a/../b HTTP/1.1\r\n\r\n", "missing_host"},
  });
}

BOOST_AUTO_TEST_CASE(equivalent_spellings_cannot_reach_a_protected_path_unauthenticated) {
  // "/" is public (auth: none) and forwards to the same upstream as the protected
  // "/admin"; a spelling the upstream normalises to /admin/... must not pass as public:
  // it is either refused or routed to the protected route.
  using latchkey::config::Route;
  std::vector<Route> routes(2);
  routes[0].name = "public";
  routes[0].path_prefix = "/";
  routes[0].auth.required = false;
  routes[1].name = "admin";
  routes[1].path_prefix = "/admin";
  const latchkey::proxy::Router router(routes);

  const struct {
    std::string_view name;
    std::string_view target;
  } cases[] = {
      {"sanity: plain", "/admin/users"},
      // RFC 3986 §6.2.2.2: %61 is 'a'; Go, Express, nginx decode before matching.
      {"percent-encoded letter", "/%61dmin/users"},
      // (%41 is 'A': "/Admin" is another path to a case-sensitive upstream, so not listed.)
      {"percent-encoded letter, upper-case hex digit", "/ad%6Din/users"},
      {"percent-encoded letter, lower-case hex digit", "/ad%6din/users"},
      {"percent-encoded slash", "/%2fadmin/users"},
      // Tomcat and Jetty drop path parameters, so "..;" is a dot-segment to them.
      {"..; (path parameter)", "/x/..;/admin/users"},
      {"%2e%2e;", "/x/%2e%2e;/admin/users"},
      // nginx (merge_slashes on by default) and Spring collapse empty segments.
      {"double slash", "//admin/users"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name << ": " << c.target) {
      const auto head =
          parse_head("GET "s + std::string(c.target) + " HTTP/1.1\r\nHost: h\r\n\r\n");
      BOOST_TEST_REQUIRE(head.has_value());
      const bool refused = request_head_problem(*head).has_value();
      const Route* matched = router.match("h", c.target);
      BOOST_TEST((refused || (matched != nullptr && matched->name == "admin")));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

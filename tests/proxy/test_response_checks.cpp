// Upstream response heads that must not be relayed: the same framing rules as requests, plus
// the status line. Parsed by Beast as forward.cpp parses them.
#define BOOST_TEST_DYN_LINK
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "proxy/response_checks.hpp"

namespace http = boost::beast::http;
using latchkey::proxy::response_head_problem;

namespace {

std::string outcome(const std::string& raw) {
  http::response_parser<http::empty_body> parser;
  parser.eager(false);
  parser.body_limit(boost::none);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  if (ec || !parser.is_header_done()) return "refused by Beast's parser";
  const auto problem = response_head_problem(parser.get().base());
  return problem ? std::string(*problem) : "relayed";
}

struct Case {
  std::string name;
  std::string raw;
  std::string expected;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(response_checks)

BOOST_AUTO_TEST_CASE(table) {
  const std::vector<Case> cases{
      {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "relayed"},
      {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "relayed"},
      {"close-delimited", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "relayed"},
      {"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", "relayed"},
      {"204 without length", "HTTP/1.1 204 No Content\r\n\r\n", "relayed"},
      {"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
       "refused by Beast's parser"},
      {"duplicate CL differing",
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       "refused by Beast's parser"},
      {"duplicate CL equal", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
       "duplicate_content_length"},
      {"CL with plus", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
       "refused by Beast's parser"},
      {"TE gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
       "unsupported_transfer_encoding"},
      {"TE gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "unsupported_transfer_encoding"},
      {"TE twice",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       "refused by Beast's parser"},
      {"TE on HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       "transfer_encoding_on_http10"},
      {"status 999", "HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", "bad_status_code"},
      {"status 099", "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n", "bad_status_code"},
      {"letters in status", "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n",
       "refused by Beast's parser"},
      {"HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
       "refused by Beast's parser"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(outcome(c.raw) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_DYN_LINK
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>

#include "proxy/head_writer.hpp"
#include "tests/proxy/parsed_head.hpp"

namespace http = boost::beast::http;
using latchkey::proxy::write_head;

namespace {

// What Beast's own serializer sends for this head: the bytes the proxy sent before.
template <bool isRequest>
std::string serialized_by_beast(const http::header<isRequest>& head) {
  http::message<isRequest, http::empty_body> message{head};
  http::serializer<isRequest, http::empty_body> serializer{message};
  serializer.split(true);
  std::string out;
  boost::beast::error_code ec;
  while (!serializer.is_header_done()) {
    serializer.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
      out += boost::beast::buffers_to_string(buffers);
      serializer.consume(boost::asio::buffer_size(buffers));
    });
    BOOST_TEST_REQUIRE(!ec, ec.message());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(head_writer)

BOOST_AUTO_TEST_CASE(request_heads_are_the_bytes_beast_would_send) {
  for (std::string_view raw : {
           "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
           "GET /a/b?c=d%20e HTTP/1.0\r\n\r\n",
           // A method Beast does not know keeps its spelling.
           "PROPPATCH /dav/file.txt HTTP/1.1\r\nHost: dav\r\nContent-Length: 0\r\n\r\n",
           "BREW /pot HTTP/1.1\r\nX-Empty:\r\nX-Twice: 1\r\nx-twice: 2\r\n\r\n",
           "POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\nVia: 1.1 edge\r\n\r\n",
       }) {
    auto head = latchkey::test::parsed_head<true>(raw);
    head.set("X-Forwarded-For", "127.0.0.1");  // fields added after parsing, as the proxy does
    head.erase(http::field::host);
    std::string written = "left over from the previous request";
    write_head(head, written);
    BOOST_TEST(written == serialized_by_beast(head), raw);
  }
}

BOOST_AUTO_TEST_CASE(response_heads_keep_the_upstreams_status_and_reason) {
  for (std::string_view raw : {
           "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 404 Nicht gefunden\r\nContent-Length: 3\r\n\r\n",
           "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",  // unknown code, empty reason
           "HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\n\r\n",
           "HTTP/1.1 204 No Content\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n",
       }) {
    auto head = latchkey::test::parsed_head<false>(raw);
    head.version(11);
    head.set(http::field::connection, "close");
    std::string written;
    write_head(head, written);
    BOOST_TEST(written == serialized_by_beast(head), raw);
  }
}

BOOST_AUTO_TEST_CASE(a_status_set_by_code_gets_its_standard_reason) {
  http::response_header<> head;
  head.result(http::status::bad_gateway);
  head.version(11);
  head.set(http::field::content_length, "0");
  std::string written;
  write_head(head, written);
  BOOST_TEST(written == "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
}

BOOST_AUTO_TEST_SUITE_END()

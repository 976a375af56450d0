// Request and response heads parsed by Beast from raw bytes, for the tests of header logic.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/test/unit_test.hpp>
#include <string_view>

namespace latchkey::test {

template <bool isRequest>
boost::beast::http::header<isRequest> parsed_head(std::string_view raw) {
  boost::beast::http::parser<isRequest, boost::beast::http::empty_body> parser;
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  BOOST_TEST_REQUIRE(!ec, ec.message());
  BOOST_TEST_REQUIRE(parser.is_header_done());
  return parser.get().base();
}

inline boost::beast::http::request_header<> parse_request(std::string_view raw) {
  return parsed_head<true>(raw);
}

inline boost::beast::http::response_header<> parse_response(std::string_view raw) {
  return parsed_head<false>(raw);
}

}  // namespace latchkey::test

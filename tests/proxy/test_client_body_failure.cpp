// How a failed client body read is answered and counted.
#define BOOST_TEST_DYN_LINK
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>

#include "proxy/client_body_failure.hpp"

namespace http = boost::beast::http;
using latchkey::proxy::client_body_failure;
using latchkey::proxy::LocalReply;

BOOST_AUTO_TEST_SUITE(client_body_failures)

BOOST_AUTO_TEST_CASE(each_failure_has_its_answer_reason_and_limit) {
  const auto too_large = client_body_failure(http::error::body_limit);
  BOOST_TEST(too_large.reason == "body_too_large");
  BOOST_TEST((too_large.reply == LocalReply::payload_too_large));
  BOOST_TEST(too_large.limit == "max_body_bytes");

  const auto timeout = client_body_failure(boost::beast::error::timeout);
  BOOST_TEST(timeout.reason == "body_timeout");
  BOOST_TEST(!timeout.reply.has_value());  // the expired socket is already closed
  BOOST_TEST(timeout.status == 408u);
  BOOST_TEST(timeout.limit == "body_timeout");

  for (const boost::system::error_code ec :
       {boost::system::error_code(http::error::end_of_stream),
        boost::system::error_code(http::error::partial_message),
        boost::system::error_code(boost::asio::error::connection_reset)}) {
    BOOST_TEST_CONTEXT(ec.message()) {
      const auto gone = client_body_failure(ec);
      BOOST_TEST(gone.reason == "client_body_aborted");
      BOOST_TEST(!gone.reply.has_value());
      BOOST_TEST(gone.limit.empty());
    }
  }

  for (const boost::system::error_code ec :
       {boost::system::error_code(http::error::bad_chunk),
        boost::system::error_code(http::error::bad_chunk_extension),
        boost::system::error_code(http::error::buffer_overflow)}) {
    BOOST_TEST_CONTEXT(ec.message()) {
      const auto malformed = client_body_failure(ec);
      BOOST_TEST(malformed.reason == "client_body_malformed");
      BOOST_TEST((malformed.reply == LocalReply::bad_request));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

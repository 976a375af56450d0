// Writes a response latchkey makes itself. To a HEAD request only the head goes out (RFC 9110
// §9.3.2), Content-Length as for GET: a body there would be read as the start of the next
// response on a kept connection.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/error_code.hpp>

namespace latchkey::proxy {

template <class Stream, class Body>
boost::asio::awaitable<boost::system::error_code> write_reply(
    Stream& stream, boost::beast::http::response<Body>& response, bool head_only) {
  constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  boost::beast::http::response_serializer<Body> serializer{response};
  if (head_only) {
    auto [ec, n] = co_await boost::beast::http::async_write_header(stream, serializer, kTuple);
    co_return ec;
  }
  auto [ec, n] = co_await boost::beast::http::async_write(stream, serializer, kTuple);
  co_return ec;
}

}  // namespace latchkey::proxy

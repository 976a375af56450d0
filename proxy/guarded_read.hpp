// http::async_read_some and http::async_read with the parser's put() inside a try. Beast's
// parser throws std::length_error for a field over 65,533 bytes; in a chunked body's trailers,
// which no header limit bounds, it would throw from the read's completion handler and out of
// the IO thread's run(): one request could end the process. Here it is an error like any bad
// message (http::error::header_limit). Otherwise the same steps as Beast's read_some_op.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

namespace latchkey::proxy {

using ReadResult = std::pair<boost::system::error_code, std::size_t>;

// Bytes the parser took from `buffer`, and need_more when it wants more.
template <bool isRequest>
std::size_t guarded_put(boost::beast::http::basic_parser<isRequest>& parser,
                        boost::beast::flat_buffer& buffer, boost::system::error_code& ec) {
  std::size_t used = 0;
  try {
    used = parser.put(buffer.data(), ec);
  } catch (const std::length_error&) {
    ec = boost::beast::http::error::header_limit;
    return 0;
  }
  buffer.consume(used);
  return used;
}

// Reads until the parser makes progress (a head, body bytes, the end) or fails.
template <class Stream, bool isRequest>
boost::asio::awaitable<ReadResult> guarded_read_some(
    Stream& stream, boost::beast::flat_buffer& buffer,
    boost::beast::http::basic_parser<isRequest>& parser) {
  namespace http = boost::beast::http;
  boost::system::error_code ec;
  std::size_t total = 0;
  if (buffer.size() > 0) {
    total += guarded_put(parser, buffer, ec);
    if (ec != http::error::need_more) co_return ReadResult{ec, total};
  }
  for (;;) {
    const std::size_t room = boost::beast::read_size(buffer, 65536);
    if (room == 0) co_return ReadResult{http::error::buffer_overflow, total};
    auto [read_ec, n] = co_await stream.async_read_some(
        buffer.prepare(room), boost::asio::as_tuple(boost::asio::use_awaitable));
    buffer.commit(n);
    if (read_ec == boost::asio::error::eof) {
      if (!parser.got_some()) co_return ReadResult{http::error::end_of_stream, total};
      ec = {};
      parser.put_eof(ec);  // a close-delimited body ends here; anything else is partial
      co_return ReadResult{ec, total};
    }
    if (read_ec) co_return ReadResult{read_ec, total};
    ec = {};
    total += guarded_put(parser, buffer, ec);
    if (ec != http::error::need_more) co_return ReadResult{ec, total};
  }
}

// Reads until the parser is done or fails, as http::async_read.
template <class Stream, bool isRequest>
boost::asio::awaitable<ReadResult> guarded_read(Stream& stream, boost::beast::flat_buffer& buffer,
                                                boost::beast::http::basic_parser<isRequest>& parser) {
  std::size_t total = 0;
  while (!parser.is_done()) {
    auto [ec, n] = co_await guarded_read_some(stream, buffer, parser);
    total += n;
    if (ec) co_return ReadResult{ec, total};
  }
  co_return ReadResult{boost::system::error_code{}, total};
}

}  // namespace latchkey::proxy

// Reading one response head from an upstream, strictly: the raw bytes are scanned before
// Beast sees them (obs-fold, bare CR/LF, NUL), then the parsed head's framing is checked.
// A template over the stream type, so a TLS upstream reads the same way.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <string_view>

#include "proxy/buffered_head.hpp"
#include "proxy/raw_head.hpp"
#include "proxy/response_checks.hpp"

namespace latchkey::proxy {

using ResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

struct UpstreamHead {
  boost::system::error_code error;  // from the stream or the parser
  std::string_view problem;         // non-empty: the head is malformed, never to be relayed
};

template <class Stream>
boost::asio::awaitable<UpstreamHead> read_upstream_head(Stream& stream,
                                                        boost::beast::flat_buffer& buffer,
                                                        ResponseParser& parser,
                                                        std::size_t max_header_bytes) {
  namespace http = boost::beast::http;
  constexpr auto tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  for (;;) {
    const auto data = buffer.data();
    const RawHeadScan scan = scan_raw_head({static_cast<const char*>(data.data()), data.size()});
    if (scan.problem) co_return UpstreamHead{http::error::bad_field, *scan.problem};
    if (scan.end != std::string_view::npos) break;
    if (buffer.size() >= max_header_bytes) {
      co_return UpstreamHead{http::error::header_limit, "header_too_large"};
    }
    auto space = buffer.prepare(std::min<std::size_t>(max_header_bytes - buffer.size(), 8192));
    auto [ec, n] = co_await stream.async_read_some(space, tuple);
    if (ec) co_return UpstreamHead{ec, {}};
    buffer.commit(n);
  }
  // The whole head is buffered: it is parsed in place (proxy/buffered_head.hpp).
  if (const auto ec = parse_buffered_head(parser, buffer)) {
    co_return UpstreamHead{ec, "unparseable_head"};
  }
  if (auto problem = response_head_problem(parser.get().base())) {
    co_return UpstreamHead{http::error::bad_field, *problem};
  }
  co_return UpstreamHead{};
}

}  // namespace latchkey::proxy

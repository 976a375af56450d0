// Parsing a head that scan_raw_head found whole in the read buffer. Beast's async_read_header
// would do the same through a composed asynchronous operation and a posted completion; this
// does it in place, since nothing is left to read.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/system/error_code.hpp>

#include "proxy/guarded_read.hpp"

namespace latchkey::proxy {

template <bool isRequest, class Body>
boost::system::error_code parse_buffered_head(boost::beast::http::parser<isRequest, Body>& parser,
                                              boost::beast::flat_buffer& buffer) {
  boost::system::error_code ec;
  guarded_put(parser, buffer, ec);  // a field over 65,533 bytes: header_limit, so 431
  if (!ec && !parser.is_header_done()) ec = boost::beast::http::error::partial_message;
  return ec;
}

}  // namespace latchkey::proxy

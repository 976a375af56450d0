// libFuzzer target: raw bytes as a request head, through the parser latchkey uses (Beast's
// request_parser<empty_body>, same limits) and then the checks it makes before routing.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>

#include "proxy/request_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(16384);  // server.max_header_bytes' default
  parser.eager(false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  (void)latchkey::proxy::request_head_problem(parser.get().base());
  return 0;
}

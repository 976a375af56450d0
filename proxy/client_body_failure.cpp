#include "proxy/client_body_failure.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

ClientBodyFailure client_body_failure(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) {
    return {"body_too_large", LocalReply::payload_too_large, "max_body_bytes", 413};
  }
  // tcp_stream's expiry has closed the socket: nothing can be answered (nginx closes too).
  if (ec == beast::error::timeout) return {"body_timeout", std::nullopt, "body_timeout", 408};
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::operation_aborted || ec == http::error::partial_message) {
    return {"client_body_aborted", std::nullopt, "", 400};
  }
  // Bad chunk sizes or extensions, or a chunk line or trailer section beyond the buffer.
  return {"client_body_malformed", LocalReply::bad_request, "", 400};
}

}  // namespace latchkey::proxy

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
    return {"body_too_large", LocalReply::content_too_large, "max_body_bytes"};
  }
  if (ec == beast::error::timeout) {
    return {"body_timeout", LocalReply::request_timeout, "body_timeout"};
  }
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::operation_aborted || ec == http::error::partial_message) {
    return {"client_body_aborted", std::nullopt, ""};
  }
  // Bad chunk sizes or extensions, or a chunk line or trailer section beyond the buffer.
  return {"client_body_malformed", LocalReply::bad_request, ""};
}

}  // namespace latchkey::proxy

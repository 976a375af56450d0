#include "proxy/tls_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kShutdownTimeout = std::chrono::seconds(2);  // a courtesy, not worth more

// A closed set for the metric label; the log line carries OpenSSL's own reason.
std::string_view failure_class(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "timeout";
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::ssl::error::stream_truncated) {
    return "client_closed";
  }
  return "handshake_error";
}

}  // namespace

asio::awaitable<bool> tls_handshake(TlsStream& client, std::chrono::milliseconds timeout,
                                    const std::string& client_address, Gateway& gateway) {
  beast::get_lowest_layer(client).expires_after(timeout);
  auto [ec] = co_await client.async_handshake(asio::ssl::stream_base::server, kTuple);
  if (!ec) co_return true;
  const auto kind = failure_class(ec);
  gateway.log.event("info", "tls_handshake_failed",
                    {{"client", client_address}, {"reason", kind}, {"error", ec.message()}});
  gateway.metrics.increment("latchkey_tls_handshake_failures_total",
                            "reason=\"" + std::string(kind) + "\"");
  co_return false;
}

asio::awaitable<void> tls_shutdown(TlsStream& client) {
  auto& tcp = beast::get_lowest_layer(client);
  if (!tcp.socket().is_open()) co_return;
  tcp.expires_after(kShutdownTimeout);
  co_await client.async_shutdown(kTuple);
}

}  // namespace latchkey::proxy

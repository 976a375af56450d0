// The TLS steps around a client session: the handshake with a deadline, its failure logged
// and counted, and a bounded close_notify exchange at the end.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <string>

#include "proxy/gateway.hpp"
#include "proxy/tls_stream.hpp"

namespace latchkey::proxy {

// False when the handshake failed or timed out (logged as tls_handshake_failed).
boost::asio::awaitable<bool> tls_handshake(TlsStream& client, std::chrono::milliseconds timeout,
                                           const std::string& client_address, Gateway& gateway);

// Sends close_notify and waits briefly for the client's; a client that just hangs up is fine.
boost::asio::awaitable<void> tls_shutdown(TlsStream& client);

}  // namespace latchkey::proxy

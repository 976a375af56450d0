// One client connection: read a request head, check it, route it, authenticate it, forward
// it, relay the answer, and repeat while keep-alive holds.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "proxy/gateway.hpp"
#include "proxy/tls_context.hpp"

namespace latchkey::proxy {

// `routing` is the snapshot current when the connection was accepted.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, Gateway& gateway,
                                         std::shared_ptr<const Routing> routing);

// The same over TLS: the handshake (bounded by server.header_timeout) with `tls`, the context
// current when the connection was accepted, then requests, then close_notify.
boost::asio::awaitable<void> run_tls_session(boost::asio::ip::tcp::socket socket,
                                             std::shared_ptr<TlsContext> tls, Gateway& gateway,
                                             std::shared_ptr<const Routing> routing);

}  // namespace latchkey::proxy

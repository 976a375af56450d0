// Reads a request's body for a local endpoint (bounded, with the body deadline), lets the
// endpoint answer, and writes its response (a spent failure budget's 429 held first).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "config/config.hpp"
#include "proxy/access_log.hpp"
#include "proxy/forward.hpp"
#include "proxy/gateway.hpp"
#include "proxy/local_endpoint.hpp"

namespace latchkey::proxy {

// Returns whether the connection may carry another request. `parser` holds a complete head
// and is consumed. ClientStream: boost::beast::tcp_stream or TlsStream
// (instantiated in serve_local_endpoint.cpp).
template <class ClientStream>
boost::asio::awaitable<bool> serve_local_endpoint(Gateway& gateway, LocalEndpoint& endpoint,
                                                  std::string path, ClientStream& client,
                                                  boost::beast::flat_buffer& buffer,
                                                  RequestParser& parser,
                                                  const config::Config& config,
                                                  bool client_tls, AccessRecord& record);

}  // namespace latchkey::proxy

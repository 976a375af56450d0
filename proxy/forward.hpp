// Forwarding one authenticated request: the head, rewritten, then the body relayed in bounded
// pieces to the upstream; the response head, rewritten, then its body relayed back. Nothing is
// held whole (the relay pattern of Beast's http_examples.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "auth/authenticator.hpp"
#include "config/config.hpp"
#include "proxy/access_log.hpp"
#include "proxy/gateway.hpp"
#include "proxy/header_rewrite.hpp"

namespace latchkey::proxy {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

struct ForwardResult {
  bool client_keep_alive = false;  // the client connection may carry another request
};

// ClientStream: boost::beast::tcp_stream or TlsStream (instantiated
// in forward.cpp).
template <class ClientStream>
boost::asio::awaitable<ForwardResult> forward_request(
    Gateway& gateway, const Routing& routing, const config::Route& route,
    const auth::Identity* identity, ClientStream& client, boost::beast::flat_buffer& client_buffer,
    RequestParser& parser, const ForwardContext& context, AccessRecord& record);

}  // namespace latchkey::proxy

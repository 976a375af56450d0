// What changes in a request on its way upstream and in a response on its way back. Pure
// functions over Beast headers: no sockets, unit-tested with tables of headers.
#pragma once

#include <boost/beast/http/message.hpp>
#include <functional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "config/config.hpp"
#include "proxy/identity_assertion.hpp"

namespace latchkey::proxy {

struct ForwardContext {
  std::string client_address;  // peer IP as text
  bool client_tls = false;
  // Every identity header name configured on any route: a client must not be able to send
  // one to a route that does not set it either.
  const std::vector<std::string>* identity_header_names = nullptr;
  // Signs the route's identity assertion, if it has one; nullptr sends none.
  const IdentityAssertions* assertions = nullptr;
  // Asked when the response head goes out: false (draining, last request of the connection)
  // answers with Connection: close. Empty: keep-alive as the client asked.
  std::function<bool()> keep_alive_allowed;
};

// Removes credentials, hop-by-hop headers (and those named in Connection, except framing and
// Host), every client copy of an identity header ('-' and '_' treated alike, as CGI-style
// upstreams do), the route's strip_cookies and latchkey's own session cookie from every Cookie
// field (see cookie_filter.hpp; a field left empty goes), then adds the verified identity,
// X-Forwarded-For/-Proto/-Host and Via, and points the target and Host at the upstream.
void rewrite_upstream_request(boost::beast::http::request_header<>& header,
                              const config::Route& route, const auth::Identity* identity,
                              const ForwardContext& context);

// Strips hop-by-hop headers from an upstream response (framing headers stay for the serializer)
// and adds latchkey to Via.
void rewrite_client_response(boost::beast::http::response_header<>& header);

// Lower-cased names of every identity and assertion header across the routes.
std::vector<std::string> collect_identity_header_names(const std::vector<config::Route>& routes);

}  // namespace latchkey::proxy

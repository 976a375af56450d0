// The authentication step of a request: credentials from the head, the verified cache on the
// IO thread, the Authenticator on a worker thread on a miss.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>

#include "auth/authenticator.hpp"
#include "config/config.hpp"
#include "proxy/gateway.hpp"
#include "proxy/local_reply.hpp"

namespace latchkey::proxy {

struct AuthOutcome {
  std::optional<auth::Identity> identity;  // set when allowed
  std::optional<LocalReply> refusal;       // set when refused
  std::string reason;                      // refusal reason for log and metrics
  bool cached = false;
  std::optional<std::chrono::seconds> retry_after;  // for 429
  std::string username;  // as typed, when Basic credentials were given (for the audit log)
};

auth::Policy policy_for(const config::RouteAuth& route_auth);

boost::asio::awaitable<AuthOutcome> authenticate_request(
    Gateway& gateway, const config::Route& route,
    const boost::beast::http::request_header<>& header, const std::string& client_address);

}  // namespace latchkey::proxy

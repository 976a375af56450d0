// The handlers of the self-service API, one per ApiAction, after the endpoint has checked the
// origin, the session and the CSRF token. Each does its blocking work on the blocking pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "db/session_store.hpp"
#include "proxy/local_endpoint.hpp"
#include "web/account_service.hpp"
#include "web/cookie.hpp"
#include "web/api_routes.hpp"

namespace latchkey::web {

struct ApiCall {
  proxy::Gateway& gateway;
  const AccountService& service;
  const config::SelfService& config;
  proxy::EndpointRequest& request;
  ApiMatch api;
  boost::json::object body;                // the JSON body; empty when none
  std::optional<db::SessionUser> session;  // set when a live session came with the call
  std::string session_id;                  // the cookie value, when one came
  CookieScope cookie;                      // the session cookie's name, Path and Secure
};

boost::asio::awaitable<proxy::EndpointResult> run_api_call(ApiCall& call);

}  // namespace latchkey::web

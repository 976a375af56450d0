#include "proxy/authenticate_request.hpp"

#include <algorithm>
#include <variant>

#include "auth/authorization_header.hpp"

namespace latchkey::proxy {
namespace http = boost::beast::http;

auth::Policy policy_for(const config::RouteAuth& route_auth) {
  auth::Policy policy;
  policy.accept_app_password =
      std::find(route_auth.accept.begin(), route_auth.accept.end(),
                config::CredentialKind::app_password) != route_auth.accept.end();
  switch (route_auth.account_password) {
    case config::AccountPasswordPolicy::allow:
      policy.account_password = auth::AccountPasswordPolicy::allow;
      break;
    case config::AccountPasswordPolicy::deny:
      policy.account_password = auth::AccountPasswordPolicy::deny;
      break;
    case config::AccountPasswordPolicy::deny_if_totp:
      policy.account_password = auth::AccountPasswordPolicy::deny_if_totp;
      break;
  }
  return policy;
}

namespace {

AuthOutcome refuse(LocalReply reply, std::string reason) {
  AuthOutcome outcome;
  outcome.refusal = reply;
  outcome.reason = std::move(reason);
  return outcome;
}

}  // namespace

boost::asio::awaitable<AuthOutcome> authenticate_request(Gateway& gateway,
                                                         const config::Route& route,
                                                         const http::request_header<>& header) {
  if (header.count(http::field::authorization) > 1) {
    co_return refuse(LocalReply::bad_credentials, "duplicate_authorization");
  }
  const auto field = header.find(http::field::authorization);
  if (field == header.end()) {
    co_return refuse(LocalReply::unauthorized, "missing_credentials");
  }
  auto parsed = auth::parse_authorization(field->value());
  if (auto* error = std::get_if<auth::AuthorizationError>(&parsed)) {
    if (*error == auth::AuthorizationError::unsupported_scheme) {
      co_return refuse(LocalReply::unauthorized, "unsupported_scheme");
    }
    co_return refuse(LocalReply::bad_credentials, std::string(auth::to_string(*error)));
  }
  if (std::holds_alternative<auth::BearerToken>(parsed)) {
    // Tokens arrive with the token issue; until then a Bearer header is simply not accepted.
    co_return refuse(LocalReply::unauthorized, "bearer_not_accepted");
  }
  const auto& credentials = std::get<auth::BasicCredentials>(parsed);
  const auth::Policy policy = policy_for(route.auth);

  if (auto identity = gateway.cache.find(credentials.username, credentials.password)) {
    if (auth::policy_admits(policy, *identity)) {
      AuthOutcome outcome;
      outcome.identity = std::move(identity);
      outcome.cached = true;
      co_return outcome;
    }
  }

  // Read before verifying: a change notified meanwhile makes the result too old to cache.
  const std::uint64_t generation = gateway.cache.generation();
  auth::Authenticator& authenticator = gateway.authenticator;
  auto verify = [&authenticator, credentials, policy] {
    return authenticator.verify(credentials, policy);
  };
  auto decision = co_await gateway.verify_pool.run(std::move(verify));
  if (!decision) {
    co_return refuse(LocalReply::unavailable, "verify_queue_full");
  }
  if (!decision->allowed()) {
    co_return refuse(reply_for(decision->reason), std::string(auth::to_string(decision->reason)));
  }
  gateway.cache.insert(credentials.username, credentials.password, *decision->identity,
                       generation);
  AuthOutcome outcome;
  outcome.identity = std::move(decision->identity);
  co_return outcome;
}

}  // namespace latchkey::proxy

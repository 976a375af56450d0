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

AuthOutcome throttled(std::chrono::milliseconds wait, std::string reason) {
  AuthOutcome outcome = refuse(LocalReply::too_many_requests, std::move(reason));
  outcome.retry_after = std::chrono::ceil<std::chrono::seconds>(wait);
  return outcome;
}

// What a refusal costs the budgets. A secret that fails the check symbol cannot be anyone's
// application password: it is charged to the address alone. A right password refused for
// policy (TOTP hint, disabled, locked) or an outage is no guess and costs nothing.
void spend_budgets(Gateway& gateway, auth::DenyReason reason, const std::string& address,
                   const std::string& account, auth::FailureBudgets::Clock::time_point now) {
  using auth::DenyReason;
  switch (reason) {
    case DenyReason::not_an_app_password:
      gateway.address_budgets.spend(address, now);
      break;
    case DenyReason::unknown_user:
    case DenyReason::bad_password:
    case DenyReason::app_password_wrong_user:
      gateway.address_budgets.spend(address, now);
      gateway.account_budgets.spend(account, now);
      break;
    default:
      break;
  }
}

}  // namespace

boost::asio::awaitable<AuthOutcome> authenticate_request(Gateway& gateway,
                                                         const config::Route& route,
                                                         const http::request_header<>& header,
                                                         const std::string& client_address) {
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

  // Budgets are checked only on a cache miss: a cached credential is a proven right one, and
  // a client over its budget is refused before any database work (DESIGN.md §5.5).
  const auto now = auth::FailureBudgets::Clock::now();
  const std::string address = auth::address_key(client_address);
  const std::string account = auth::account_key(credentials.username);
  if (auto wait = gateway.address_budgets.exhausted(address, now)) {
    AuthOutcome outcome = throttled(*wait, "address_over_budget");
    outcome.username = credentials.username;
    co_return outcome;
  }
  if (auto wait = gateway.account_budgets.exhausted(account, now)) {
    AuthOutcome outcome = throttled(*wait, "account_over_budget");
    outcome.username = credentials.username;
    co_return outcome;
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
    spend_budgets(gateway, decision->reason, address, account, now);
    AuthOutcome outcome =
        refuse(reply_for(decision->reason), std::string(auth::to_string(decision->reason)));
    outcome.username = credentials.username;
    if (decision->locked_until) {
      outcome.retry_after = std::chrono::ceil<std::chrono::seconds>(
          *decision->locked_until - std::chrono::system_clock::now());
    }
    co_return outcome;
  }
  gateway.cache.insert(credentials.username, credentials.password, *decision->identity,
                       generation);
  AuthOutcome outcome;
  outcome.identity = std::move(decision->identity);
  co_return outcome;
}

}  // namespace latchkey::proxy

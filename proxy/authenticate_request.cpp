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

// Settles the tokens reserved for one attempt. A guess keeps both: a wrong password, an
// unknown user, another user's app password, or any attempt on a locked account (right and
// wrong look alike there). A secret failing the check symbol cannot be anyone's application
// password, so only the address pays. A right password refused for policy (TOTP hint,
// disabled) or an outage is no guess: both tokens come back.
void settle_budgets(Gateway& gateway, auth::DenyReason reason, const std::string& address,
                    const std::string& account, auth::FailureBudgets::Clock::time_point now) {
  using auth::DenyReason;
  switch (reason) {
    case DenyReason::unknown_user:
    case DenyReason::bad_password:
    case DenyReason::app_password_wrong_user:
    case DenyReason::account_locked:
      return;
    case DenyReason::not_an_app_password:
      gateway.account_budgets.refund(account, now);
      return;
    default:
      gateway.address_budgets.refund(address, now);
      gateway.account_budgets.refund(account, now);
      return;
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

  // Budgets come before the cache: were a cache hit exempt, a guess matching a cached entry
  // would answer 200 while wrong guesses answer 429, a free oracle for the right password.
  const auto now = auth::FailureBudgets::Clock::now();
  const std::string address = auth::address_key(client_address);
  const std::string account = auth::account_key(credentials.username);
  auto over_budget = [&](std::string reason, std::chrono::milliseconds wait) {
    AuthOutcome outcome = throttled(wait, std::move(reason));
    outcome.username = credentials.username;
    return outcome;
  };
  if (auto wait = gateway.address_budgets.exhausted(address, now)) {
    co_return over_budget("address_over_budget", *wait);
  }
  if (auto wait = gateway.account_budgets.exhausted(account, now)) {
    co_return over_budget("account_over_budget", *wait);
  }

  if (auto identity = gateway.cache.find(credentials.username, credentials.password)) {
    if (auth::policy_admits(policy, *identity)) {
      AuthOutcome outcome;
      outcome.identity = std::move(identity);
      outcome.cached = true;
      co_return outcome;
    }
  }

  // A token is reserved before verifying, so concurrent guesses cannot all pass the check
  // above before any of them is counted; settle_budgets gives back what was no failure.
  // Identical attempts in flight (a client's parallel connections after its cache entry
  // expired) reserve once.
  const InflightAttempt attempt(gateway.inflight,
                                gateway.cache.key_for(credentials.username, credentials.password));
  if (attempt.leader()) {
    if (!gateway.address_budgets.try_spend(address, now)) {
      co_return over_budget("address_over_budget", std::chrono::seconds(1));
    }
    if (!gateway.account_budgets.try_spend(account, now)) {
      gateway.address_budgets.refund(address, now);
      co_return over_budget("account_over_budget", std::chrono::seconds(1));
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
    if (attempt.leader()) {
      settle_budgets(gateway, auth::DenyReason::store_unavailable, address, account, now);
    }
    co_return refuse(LocalReply::unavailable, "verify_queue_full");
  }
  if (attempt.leader()) settle_budgets(gateway, decision->reason, address, account, now);
  if (decision->failed_user_id) {
    // Counted towards the account lock after the answer (see FailureRecording::deferred).
    gateway.verify_pool.post([&authenticator, id = *decision->failed_user_id] {
      authenticator.record_failure(id);
    });
  }
  if (!decision->allowed()) {
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

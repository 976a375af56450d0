#include "proxy/authenticate_request.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <functional>
#include <variant>

#include "auth/authorization_header.hpp"
#include "auth/token.hpp"
#include "proxy/auth_challenge.hpp"

namespace latchkey::proxy {
namespace http = boost::beast::http;

auth::Policy policy_for(const config::RouteAuth& route_auth) {
  auth::Policy policy;
  const auto accepts = [&](config::CredentialKind kind) {
    return std::find(route_auth.accept.begin(), route_auth.accept.end(), kind) !=
           route_auth.accept.end();
  };
  policy.accept_app_password = accepts(config::CredentialKind::app_password);
  policy.accept_token = accepts(config::CredentialKind::token);
  policy.required_scopes = route_auth.scopes;
  switch (route_auth.account_password) {
    case config::AccountPasswordPolicy::deny:
      policy.account_password = auth::AccountPasswordPolicy::deny;
      break;
    case config::AccountPasswordPolicy::deny_if_totp:
      policy.account_password = auth::AccountPasswordPolicy::deny_if_totp;
      break;
  }
  return policy;
}

// A guess keeps both tokens: a wrong password, an unknown user or token, another user's
// credential, or any attempt on a locked account (right and wrong look alike there). A secret
// failing a check suffix cannot be anyone's credential, so only the address pays. A right
// password refused for policy (TOTP hint, disabled) or an outage is no guess: both come back.
void settle_budgets(Gateway& gateway, auth::DenyReason reason, const std::string& address,
                    const std::string& account, auth::FailureBudgets::Clock::time_point now) {
  using auth::DenyReason;
  switch (reason) {
    case DenyReason::unknown_user:
    case DenyReason::bad_password:
    case DenyReason::app_password_wrong_user:
    case DenyReason::bad_token:
    case DenyReason::token_wrong_user:
    case DenyReason::account_locked:
      return;
    case DenyReason::not_an_app_password:
    case DenyReason::not_a_token:
      if (!account.empty()) gateway.account_budgets.refund(account, now);
      return;
    default:
      gateway.address_budgets.refund(address, now);
      if (!account.empty()) gateway.account_budgets.refund(account, now);
      return;
  }
}

namespace {

// Cache "username" of Bearer tokens: Basic user-ids cannot hold control characters (RFC 7617
// §2), so no Basic login can ever hit a Bearer entry.
constexpr std::string_view kBearerCacheUser =
    "\x01"
    "bearer";

// How long a follower waits for its leader before it looks again (the leader may sit behind a
// full verify queue); each look finds the answer in the cache, the landing, or a new flight.
constexpr std::chrono::milliseconds kFollowerWait{5'000};

AuthOutcome refuse(LocalReply reply, std::string reason, std::vector<std::string> challenges = {}) {
  AuthOutcome outcome;
  outcome.refusal = reply;
  outcome.reason = std::move(reason);
  outcome.challenges = std::move(challenges);
  return outcome;
}

// Whether the header names the Bearer scheme, however malformed the rest is.
bool is_bearer_scheme(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  const std::string_view scheme = value.substr(0, std::min(value.find(' '), value.size()));
  return boost::beast::iequals(scheme, "bearer");
}

// One set of credentials on its way through budgets, cache and verification. The views
// point into the parsed header, which outlives the attempt; a cache hit copies no secret.
struct Attempt {
  std::string_view cache_user;  // Basic: the username as typed; Bearer: kBearerCacheUser
  std::string_view secret;
  std::string account;        // budget key; empty for Bearer (no account is named)
  std::string_view username;  // for the audit log; empty for Bearer
  bool bearer = false;
};

// What a refusal looks like for this attempt: Bearer attempts get their RFC 6750 challenge.
AuthOutcome refusal_for(const config::Route& route, const Attempt& attempt,
                        auth::DenyReason reason) {
  std::vector<std::string> challenges;
  LocalReply reply = reply_for(reason);
  if (attempt.bearer) {
    if (reply == LocalReply::unauthorized) {
      reply = LocalReply::invalid_token;
      challenges = {bearer_challenge(route.auth, BearerError::invalid_token)};
    } else if (reply == LocalReply::insufficient_scope) {
      challenges = {bearer_challenge(route.auth, BearerError::insufficient_scope)};
    }
  } else if (reply == LocalReply::unauthorized || reply == LocalReply::use_app_password) {
    challenges = route_challenges(route.auth);
  }
  AuthOutcome outcome = refuse(reply, std::string(auth::to_string(reason)), std::move(challenges));
  outcome.username = std::string(attempt.username);
  return outcome;
}

// `make_verify` gives the verification to run on the verify pool, with its own copies of the
// credentials; it is called only when the cache cannot answer.
template <class MakeVerify>
boost::asio::awaitable<AuthOutcome> verify_attempt(Gateway& gateway, const config::Route& route,
                                                   const auth::Policy& policy,
                                                   const Attempt& attempt,
                                                   const std::string& client_address,
                                                   MakeVerify make_verify) {
  // Budgets come before the cache: were a cache hit exempt, a guess matching a cached entry
  // would answer 200 while wrong guesses answer 429, a free oracle for the right password.
  auto now = auth::FailureBudgets::Clock::now();
  const std::string address = auth::address_key(client_address);
  auto over_budget = [&](std::string reason, std::chrono::milliseconds wait) {
    AuthOutcome outcome = refuse(LocalReply::too_many_requests, std::move(reason));
    outcome.retry_after = std::chrono::ceil<std::chrono::seconds>(wait);
    outcome.over_budget = true;
    outcome.username = std::string(attempt.username);
    return outcome;
  };
  auto admitted = [&](auth::Identity identity, bool cached) {
    if (!auth::scopes_admit(policy, identity)) {
      return refusal_for(route, attempt, auth::DenyReason::insufficient_scope);
    }
    AuthOutcome outcome;
    outcome.identity = std::move(identity);
    outcome.cached = cached;
    return outcome;
  };
  auto denied = [&](auth::DenyReason reason,
                    std::optional<std::chrono::system_clock::time_point> locked_until) {
    AuthOutcome outcome = refusal_for(route, attempt, reason);
    if (locked_until) {
      outcome.retry_after =
          std::chrono::ceil<std::chrono::seconds>(*locked_until - std::chrono::system_clock::now());
    }
    return outcome;
  };
  // Each pass: the budgets, the cache, then one flight of identical attempts. A follower whose
  // leader's answer does not fit it (abandoned, another route's policy) goes round again.
  for (;;) {
    now = auth::FailureBudgets::Clock::now();
    if (auto wait = gateway.address_budgets.exhausted(address, now)) {
      co_return over_budget("address_over_budget", *wait);
    }
    if (!attempt.account.empty()) {
      if (auto wait = gateway.account_budgets.exhausted(attempt.account, now)) {
        co_return over_budget("account_over_budget", *wait);
      }
    }

    if (auto identity = gateway.cache.find(attempt.cache_user, attempt.secret)) {
      if (auth::policy_admits(policy, *identity)) co_return admitted(std::move(*identity), true);
    }

    // A malformed token cannot be anyone's: refused without a query, charged to the address.
    if (attempt.bearer && !auth::parse_token(attempt.secret)) {
      if (!gateway.address_budgets.try_spend(address, now)) {
        co_return over_budget("address_over_budget", std::chrono::seconds(1));
      }
      co_return refusal_for(route, attempt, auth::DenyReason::not_a_token);
    }

    InflightAttempt inflight(gateway.inflight,
                             gateway.cache.key_for(attempt.cache_user, attempt.secret));
    if (!inflight.leader()) {
      const std::optional<Landing> landing = co_await inflight.await_landing(kFollowerWait);
      if (landing && landing->kind == Landing::Kind::unavailable) {
        co_return refuse(LocalReply::unavailable, "verify_queue_full");
      }
      if (landing && landing->kind == Landing::Kind::refused && landing->policy == policy) {
        co_return denied(landing->reason, landing->locked_until);
      }
      continue;  // admitted (the cache has it now), abandoned, or another policy
    }

    // A token is reserved before verifying, so concurrent guesses cannot all pass the check
    // above before any of them is counted; settle_budgets gives back what was no failure.
    if (!gateway.address_budgets.try_spend(address, now)) {
      co_return over_budget("address_over_budget", std::chrono::seconds(1));
    }
    if (!attempt.account.empty() && !gateway.account_budgets.try_spend(attempt.account, now)) {
      gateway.address_budgets.refund(address, now);
      co_return over_budget("account_over_budget", std::chrono::seconds(1));
    }

    // Read before verifying: a change notified meanwhile makes the result too old to cache.
    const std::uint64_t generation = gateway.cache.generation();
    const std::function<auth::Decision()> verify = make_verify();
    auto decision = co_await gateway.verify_pool.run(verify);
    if (!decision) {
      settle_budgets(gateway, auth::DenyReason::store_unavailable, address, attempt.account, now);
      inflight.land({Landing::Kind::unavailable, policy, {}, {}});
      co_return refuse(LocalReply::unavailable, "verify_queue_full");
    }
    settle_budgets(gateway, decision->reason, address, attempt.account, now);
    if (decision->failed_user_id) {
      // Counted towards the account lock after the answer (see FailureRecording::deferred).
      gateway.verify_pool.post(
          [&authenticator = gateway.authenticator, id = *decision->failed_user_id] {
            authenticator.record_failure(id);
          });
    }
    if (!decision->allowed()) {
      inflight.land({Landing::Kind::refused, policy, decision->reason, decision->locked_until});
      co_return denied(decision->reason, decision->locked_until);
    }
    gateway.cache.insert(attempt.cache_user, attempt.secret, *decision->identity, generation);
    inflight.land({Landing::Kind::admitted, policy, {}, {}});
    co_return admitted(std::move(*decision->identity), false);
  }
}

}  // namespace

boost::asio::awaitable<AuthOutcome> authenticate_request(Gateway& gateway,
                                                         const config::Route& route,
                                                         const http::request_header<>& header,
                                                         const std::string& client_address) {
  const bool accepts_tokens = route_accepts_tokens(route.auth);
  if (header.count(http::field::authorization) > 1) {
    co_return refuse(LocalReply::bad_credentials, "duplicate_authorization");
  }
  const auto field = header.find(http::field::authorization);
  if (field == header.end()) {
    co_return refuse(LocalReply::unauthorized, "missing_credentials", route_challenges(route.auth));
  }
  auto parsed = auth::parse_authorization(field->value());
  if (auto* error = std::get_if<auth::AuthorizationError>(&parsed)) {
    if (*error == auth::AuthorizationError::unsupported_scheme) {
      co_return refuse(LocalReply::unauthorized, "unsupported_scheme",
                       route_challenges(route.auth));
    }
    if (accepts_tokens && is_bearer_scheme(field->value())) {
      // RFC 6750 §3.1: a malformed request is invalid_request, answered with 400.
      co_return refuse(LocalReply::bad_credentials, "malformed_bearer",
                       {bearer_challenge(route.auth, BearerError::invalid_request)});
    }
    co_return refuse(LocalReply::bad_credentials, std::string(auth::to_string(*error)));
  }
  const auth::Policy policy = policy_for(route.auth);
  auth::Authenticator& authenticator = gateway.authenticator;

  if (auto* bearer = std::get_if<auth::BearerToken>(&parsed)) {
    if (!accepts_tokens) {
      co_return refuse(LocalReply::unauthorized, "bearer_not_accepted",
                       route_challenges(route.auth));
    }
    const Attempt attempt{kBearerCacheUser, bearer->token, "", "", true};
    // Named: GCC 12 mishandles temporaries with destructors inside a co_await expression.
    const auto make_verify = [&authenticator, bearer, &policy] {
      return std::function<auth::Decision()>([&authenticator, token = bearer->token, policy] {
        return authenticator.verify_bearer(token, policy);
      });
    };
    co_return co_await verify_attempt(gateway, route, policy, attempt, client_address, make_verify);
  }

  const auto& credentials = std::get<auth::BasicCredentials>(parsed);
  const Attempt attempt{credentials.username, credentials.password,
                        auth::account_key(credentials.username), credentials.username, false};
  const auto make_verify = [&authenticator, &credentials, &policy] {
    return std::function<auth::Decision()>([&authenticator, credentials, policy] {
      return authenticator.verify(credentials, policy);
    });
  };
  co_return co_await verify_attempt(gateway, route, policy, attempt, client_address, make_verify);
}

}  // namespace latchkey::proxy

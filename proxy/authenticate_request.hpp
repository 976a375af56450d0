// The authentication step of a request: credentials from the head, the verified cache on the
// IO thread, the Authenticator on a worker thread on a miss.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/failure_budget.hpp"
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
  bool over_budget = false;  // refused by a failure budget before any verification
  std::string username;  // as typed, when Basic credentials were given (for the audit log)
  // WWW-Authenticate values for the refusal (RFC 6750 §3); empty: the reply's own.
  std::vector<std::string> challenges;
};

auth::Policy policy_for(const config::RouteAuth& route_auth);

boost::asio::awaitable<AuthOutcome> authenticate_request(
    Gateway& gateway, const config::Route& route,
    const boost::beast::http::request_header<>& header, const std::string& client_address);

// Settles the failure budget reserved for one attempt by its outcome: guesses keep it, the
// rest is given back. `account` empty: the attempt named no account (a Bearer token).
void settle_budgets(Gateway& gateway, auth::DenyReason reason, const std::string& address,
                    const std::string& account, auth::FailureBudgets::Clock::time_point now);

}  // namespace latchkey::proxy

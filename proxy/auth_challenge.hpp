// WWW-Authenticate challenges for a route (RFC 9110 §11.6.1): Basic (RFC 7617) always, Bearer
// (RFC 6750 §3) where the route accepts tokens, with an error code once a token was tried.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace latchkey::proxy {

enum class BearerError { none, invalid_request, invalid_token, insufficient_scope };

bool route_accepts_tokens(const config::RouteAuth& auth);

// No credentials, or Basic ones that failed: every scheme the route accepts, without error.
std::vector<std::string> route_challenges(const config::RouteAuth& auth);

// After a Bearer attempt: the Bearer challenge alone, with `error` (RFC 6750 §3.1) and, for
// insufficient_scope, the scopes the route requires.
std::string bearer_challenge(const config::RouteAuth& auth, BearerError error);

std::string basic_challenge(std::string_view realm);

}  // namespace latchkey::proxy

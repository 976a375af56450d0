// The one place that turns a refusal into an HTTP status, headers and body.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string_view>

#include "auth/authenticator.hpp"

namespace latchkey::proxy {

enum class LocalReply {
  bad_request,          // 400: malformed or ambiguous request head
  bad_credentials,      // 400: malformed Authorization header
  request_timeout,      // 408: head or body not received in time
  payload_too_large,    // 413: body over the limit for where it is going
  header_too_large,     // 431: head over max_header_bytes or max_header_count
  not_found,            // 404: no route
  unauthorized,         // 401: missing or wrong credentials (byte-identical for every cause)
  invalid_token,        // 401: a Bearer token that is unknown, expired or revoked
  insufficient_scope,   // 403: the credential lacks a scope the route requires
  use_app_password,     // 401: right account password, TOTP on: the hint
  too_many_requests,    // 429: failure budget spent or account locked; Retry-After says when
  unavailable,          // 503: credentials cannot be checked right now
  bad_gateway,          // 502: upstream refused, reset, or answered garbage
  gateway_timeout,      // 504: upstream too slow
};

using LocalResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What a right account password of a TOTP account is told, by Basic auth and the token endpoint.
inline constexpr std::string_view kUseAppPasswordHint =
    "this account has two-factor authentication turned on, so its account password cannot be "
    "used here. Log in with an application password instead; you can create one for each app "
    "or device.";

// `realm` is the route's Basic realm, used by the 401s.
// `retry_after` sets Retry-After on 429 and 503 (503 defaults to 5 s).
LocalResponse make_local_reply(LocalReply kind, unsigned version, bool keep_alive,
                               std::string_view realm,
                               std::optional<std::chrono::seconds> retry_after = std::nullopt);

// How an authentication refusal is answered.
LocalReply reply_for(auth::DenyReason reason);

}  // namespace latchkey::proxy

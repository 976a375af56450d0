// Responses of the OAuth endpoints: RFC 6749 §5.1 success, §5.2 errors, RFC 7662 answers. JSON,
// never cached (Cache-Control: no-store, Pragma: no-cache), built in this one place.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/scopes.hpp"
#include "proxy/local_reply.hpp"

namespace latchkey::proxy {

enum class OAuthError {
  invalid_request,
  invalid_client,
  invalid_grant,
  unauthorized_client,
  unsupported_grant_type,
  invalid_scope,
};

std::string_view to_string(OAuthError error);

// RFC 6749 §5.2: 400, except invalid_client when the client tried HTTP Basic: 401 with a
// Basic challenge for `realm` (`basic_realm` set).
LocalResponse oauth_error(OAuthError error, std::string_view description,
                          std::optional<std::string_view> basic_realm = std::nullopt);

// RFC 6749 §5.1. `scopes` nullopt (every scope) leaves `scope` out.
LocalResponse oauth_tokens(std::string_view access_token, std::chrono::seconds expires_in,
                           std::string_view refresh_token, const auth::Scopes& scopes);

// 429 (budget spent, account locked) or 503 (store down, queue full) with Retry-After, in
// the endpoints' JSON shape.
LocalResponse oauth_retry_later(bool unavailable, std::chrono::seconds retry_after);

// 405 for anything but POST (RFC 6749 §3.2: the token endpoint takes POST only).
LocalResponse oauth_method_not_allowed();

// A JSON body with the no-store headers, for 200s (introspection, revocation).
LocalResponse oauth_json(const boost::json::object& body);

}  // namespace latchkey::proxy

#include "proxy/oauth_reply.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

namespace latchkey::proxy {
namespace http = boost::beast::http;

namespace {

LocalResponse json_response(http::status status, const boost::json::object& body) {
  LocalResponse response{status, 11};
  response.set(http::field::content_type, "application/json");
  // RFC 6749 §5.1: responses carrying tokens (and, here, every other) are never cached.
  response.set(http::field::cache_control, "no-store");
  response.set(http::field::pragma, "no-cache");
  response.body() = boost::json::serialize(body);
  return response;
}

}  // namespace

std::string_view to_string(OAuthError error) {
  switch (error) {
    case OAuthError::invalid_request:
      return "invalid_request";
    case OAuthError::invalid_client:
      return "invalid_client";
    case OAuthError::invalid_grant:
      return "invalid_grant";
    case OAuthError::unauthorized_client:
      return "unauthorized_client";
    case OAuthError::unsupported_grant_type:
      return "unsupported_grant_type";
    case OAuthError::invalid_scope:
      return "invalid_scope";
  }
  return "invalid_request";
}

LocalResponse oauth_error(OAuthError error, std::string_view description,
                          std::optional<std::string_view> basic_realm) {
  const bool challenge = error == OAuthError::invalid_client && basic_realm;
  boost::json::object body{{"error", to_string(error)}};
  if (!description.empty()) body["error_description"] = description;
  LocalResponse response =
      json_response(challenge ? http::status::unauthorized : http::status::bad_request, body);
  if (challenge) {
    response.set(http::field::www_authenticate,
                 "Basic realm=\"" + std::string(*basic_realm) + "\", charset=\"UTF-8\"");
  }
  return response;
}

LocalResponse oauth_tokens(std::string_view access_token, std::chrono::seconds expires_in,
                           std::string_view refresh_token, const auth::Scopes& scopes) {
  boost::json::object body{{"access_token", access_token},
                           {"token_type", "Bearer"},
                           {"expires_in", expires_in.count()},
                           {"refresh_token", refresh_token}};
  if (scopes) body["scope"] = auth::join_scopes(*scopes);
  return json_response(http::status::ok, body);
}

LocalResponse oauth_retry_later(bool unavailable, std::chrono::seconds retry_after) {
  boost::json::object body{
      {"error", "temporarily_unavailable"},
      {"error_description", unavailable ? "credentials cannot be checked right now; try again "
                                          "shortly"
                                        : "too many failed logins; try again after the time in "
                                          "Retry-After"}};
  LocalResponse response = json_response(
      unavailable ? http::status::service_unavailable : http::status::too_many_requests, body);
  response.set(http::field::retry_after,
               std::to_string(std::max<long long>(1, retry_after.count())));
  return response;
}

LocalResponse oauth_method_not_allowed() {
  LocalResponse response = json_response(
      http::status::method_not_allowed,
      {{"error", "invalid_request"}, {"error_description", "this endpoint takes POST only"}});
  response.set(http::field::allow, "POST");
  return response;
}

LocalResponse oauth_json(const boost::json::object& body) {
  return json_response(http::status::ok, body);
}

}  // namespace latchkey::proxy

#include "proxy/local_reply.hpp"

#include <algorithm>
#include <string>

namespace latchkey::proxy {
namespace http = boost::beast::http;

namespace {

struct ReplyText {
  http::status status;
  std::string_view body;
};

ReplyText text_for(LocalReply kind) {
  switch (kind) {
    case LocalReply::bad_request:
      return {http::status::bad_request, "400 Bad Request: the request is malformed or ambiguous.\n"};
    case LocalReply::bad_credentials:
      return {http::status::bad_request,
              "400 Bad Request: the Authorization header is malformed.\n"};
    case LocalReply::request_timeout:
      return {http::status::request_timeout,
              "408 Request Timeout: the request did not arrive in time.\n"};
    case LocalReply::payload_too_large:
      return {http::status::payload_too_large,
              "413 Content Too Large: the request body is larger than allowed here.\n"};
    case LocalReply::header_too_large:
      return {http::status::request_header_fields_too_large,
              "431 Request Header Fields Too Large: too many or too large header fields.\n"};
    case LocalReply::not_found:
      return {http::status::not_found, "404 Not Found: no route for this host and path.\n"};
    case LocalReply::unauthorized:
      return {http::status::unauthorized,
              "401 Unauthorized: log in with your username and an application password.\n"};
    case LocalReply::invalid_token:
      return {http::status::unauthorized,
              "401 Unauthorized: the token is unknown, expired or revoked.\n"};
    case LocalReply::insufficient_scope:
      return {http::status::forbidden,
              "403 Forbidden: this credential does not carry the scope this resource "
              "requires.\n"};
    case LocalReply::use_app_password: {
      static const std::string body = "401 Unauthorized: " + std::string(kUseAppPasswordHint) + "\n";
      return {http::status::unauthorized, body};
    }
    case LocalReply::too_many_requests:
      return {http::status::too_many_requests,
              "429 Too Many Requests: too many failed logins; try again after the time in "
              "Retry-After.\n"};
    case LocalReply::unavailable:
      return {http::status::service_unavailable,
              "503 Service Unavailable: credentials cannot be checked right now; try again "
              "shortly.\n"};
    case LocalReply::bad_gateway:
      return {http::status::bad_gateway,
              "502 Bad Gateway: the upstream service could not be reached or answered "
              "incorrectly.\n"};
    case LocalReply::gateway_timeout:
      return {http::status::gateway_timeout,
              "504 Gateway Timeout: the upstream service did not answer in time.\n"};
  }
  return {http::status::internal_server_error, "500 Internal Server Error\n"};
}

}  // namespace

LocalReply reply_for(auth::DenyReason reason) {
  using auth::DenyReason;
  switch (reason) {
    case DenyReason::malformed_credentials:
      return LocalReply::bad_credentials;
    case DenyReason::totp_requires_app_password:
      return LocalReply::use_app_password;
    case DenyReason::store_unavailable:
      return LocalReply::unavailable;
    case DenyReason::account_locked:
      return LocalReply::too_many_requests;
    case DenyReason::insufficient_scope:
      return LocalReply::insufficient_scope;
    default:
      return LocalReply::unauthorized;
  }
}

LocalResponse make_local_reply(LocalReply kind, unsigned version, bool keep_alive,
                               std::string_view realm, std::optional<std::chrono::seconds> retry_after) {
  const ReplyText text = text_for(kind);
  LocalResponse response{text.status, version};
  response.set(http::field::server, "latchkey");
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.set(http::field::cache_control, "no-store");
  if (text.status == http::status::unauthorized) {
    // RFC 7617 §2.1: announce UTF-8 so clients encode non-ASCII credentials predictably.
    response.set(http::field::www_authenticate,
                 "Basic realm=\"" + std::string(realm) + "\", charset=\"UTF-8\"");
  }
  if (text.status == http::status::service_unavailable ||
      text.status == http::status::too_many_requests) {
    const auto seconds = retry_after.value_or(std::chrono::seconds(5)).count();
    response.set(http::field::retry_after, std::to_string(std::max<long long>(1, seconds)));
  }
  response.body() = std::string(text.body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

}  // namespace latchkey::proxy

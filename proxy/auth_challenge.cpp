#include "proxy/auth_challenge.hpp"

#include <algorithm>

namespace latchkey::proxy {
namespace {

std::string_view error_code(BearerError error) {
  switch (error) {
    case BearerError::none:
      return "";
    case BearerError::invalid_request:
      return "invalid_request";
    case BearerError::invalid_token:
      return "invalid_token";
    case BearerError::insufficient_scope:
      return "insufficient_scope";
  }
  return "";
}

std::string_view error_description(BearerError error) {
  switch (error) {
    case BearerError::none:
      return "";
    case BearerError::invalid_request:
      return "the Authorization header is malformed";
    case BearerError::invalid_token:
      return "the access token is unknown, expired or revoked";
    case BearerError::insufficient_scope:
      return "the access token lacks a scope this resource requires";
  }
  return "";
}

}  // namespace

bool route_accepts_tokens(const config::RouteAuth& auth) {
  return std::find(auth.accept.begin(), auth.accept.end(), config::CredentialKind::token) !=
         auth.accept.end();
}

std::string basic_challenge(std::string_view realm) {
  // RFC 7617 §2.1: announce UTF-8 so clients encode non-ASCII credentials predictably.
  return "Basic realm=\"" + std::string(realm) + "\", charset=\"UTF-8\"";
}

std::string bearer_challenge(const config::RouteAuth& auth, BearerError error) {
  // The realm was checked at load to hold no '"' or '\', so it is a valid quoted-string.
  std::string challenge = "Bearer realm=\"" + auth.realm + "\"";
  if (error == BearerError::none) return challenge;
  challenge += ", error=\"" + std::string(error_code(error)) + "\", error_description=\"" +
               std::string(error_description(error)) + "\"";
  if (error == BearerError::insufficient_scope && !auth.scopes.empty()) {
    std::string scopes;
    for (const std::string& s : auth.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    challenge += ", scope=\"" + scopes + "\"";  // scope tokens hold no '"' or '\'
  }
  return challenge;
}

std::vector<std::string> route_challenges(const config::RouteAuth& auth) {
  std::vector<std::string> challenges{basic_challenge(auth.realm)};
  if (route_accepts_tokens(auth)) challenges.push_back(bearer_challenge(auth, BearerError::none));
  return challenges;
}

}  // namespace latchkey::proxy

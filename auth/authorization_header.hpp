// Parsing of the HTTP Authorization header: Basic (RFC 7617) and Bearer (RFC 6750).
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace latchkey::auth {

struct BasicCredentials {
  std::string username;  // UTF-8, no control characters, never contains ':'; may be empty
                         // (RFC 7617 allows it; the authenticator refuses it as unknown_user)
  std::string password;  // UTF-8, no control characters; may contain ':'
};

struct BearerToken {
  std::string token;  // b64token syntax of RFC 6750 §2.1
};

enum class AuthorizationError {
  unsupported_scheme,  // a scheme we do not speak (Digest, Negotiate, ...)
  malformed,           // bad base64, missing ':', empty token, stray whitespace
  invalid_utf8,        // RFC 7617 charset="UTF-8": decoded bytes must be UTF-8
  control_character,   // RFC 7617 §2: user-id and password must not contain CTLs
};

using Authorization = std::variant<BasicCredentials, BearerToken, AuthorizationError>;

// Scheme names are case-insensitive (RFC 9110 §11.1); exactly one SP-run separates
// scheme and credentials; leading/trailing OWS around the field value is ignored.
Authorization parse_authorization(std::string_view field_value);

std::string_view to_string(AuthorizationError e);

}  // namespace latchkey::auth

// The route table of the self-service JSON API, below "<prefix>api/". Pure: method and path
// in, action out.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

namespace latchkey::web {

enum class ApiAction {
  get_session,               // GET    session
  sign_in,                   // POST   session
  sign_out,                  // DELETE session
  list_app_passwords,        // GET    app-passwords
  create_app_password,       // POST   app-passwords
  revoke_all_app_passwords,  // DELETE app-passwords
  revoke_app_password,       // DELETE app-passwords/{id}
  get_totp,                  // GET    totp
  start_totp,                // POST   totp
  confirm_totp,              // POST   totp/confirm
  disable_totp,              // POST   totp/disable
  new_recovery_codes,        // POST   totp/recovery-codes
  change_password,           // POST   password
  list_tokens,               // GET    tokens (permanent tokens)
  create_token,              // POST   tokens
  revoke_token,              // DELETE tokens/{id}
};

struct ApiMatch {
  ApiAction action;
  std::int64_t id = 0;  // for revoke_app_password and revoke_token
};

enum class ApiMiss { not_found, method_not_allowed };

// `path` is what follows "api/" ("app-passwords/12", "tokens/7"); a trailing '/' is not accepted.
std::variant<ApiMatch, ApiMiss> match_api(std::string_view method, std::string_view path);

// Every action but these needs a signed-in session.
bool needs_session(ApiAction action);

}  // namespace latchkey::web

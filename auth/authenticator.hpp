// The authentication decision for one set of Basic credentials on one route. Pure logic
// over a CredentialStore: no sockets, no SQL. Blocking (store lookups, Argon2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authorization_header.hpp"
#include "auth/credential_store.hpp"
#include "auth/keyed_hash.hpp"

namespace latchkey::auth {

enum class AccountPasswordPolicy { deny_if_totp, allow, deny };

struct Policy {
  bool accept_app_password = true;
  AccountPasswordPolicy account_password = AccountPasswordPolicy::deny_if_totp;
};

enum class CredentialType { app_password, account_password };

struct Identity {
  std::int64_t user_id = 0;
  std::string username;  // as stored, not as typed
  std::string email;
  CredentialType credential = CredentialType::app_password;
  std::optional<std::int64_t> app_password_id;
  std::string app_password_name;
  bool totp_enabled = false;
};

// Why a request was refused. Logged and counted; never shown to the client except
// through the status and body that the proxy derives from it.
enum class DenyReason {
  none,
  missing_credentials,
  malformed_credentials,
  unsupported_scheme,
  unknown_user,
  bad_password,               // wrong account password, or app password not found
  app_password_wrong_user,    // a valid app password sent with someone else's username
  not_an_app_password,        // route accepts only app passwords; this one fails the check symbol
  account_password_denied,    // route never accepts account passwords
  totp_requires_app_password, // right account password, but the account has TOTP on
  account_disabled,
  store_unavailable,
};

std::string_view to_string(DenyReason r);

struct Decision {
  DenyReason reason = DenyReason::none;  // none means allowed
  std::optional<Identity> identity;      // set when allowed
  bool allowed() const { return reason == DenyReason::none; }
};

class Authenticator {
 public:
  Authenticator(CredentialStore& store, const KeyedHasher& hasher);

  // Order: application password (check symbol first, then one indexed lookup), then, where
  // the policy allows, the account password with Argon2id. Unknown users pay a dummy
  // Argon2id verification. Throws nothing: store failures become store_unavailable.
  Decision verify(const BasicCredentials& credentials, const Policy& policy) const;

 private:
  CredentialStore& store_;
  const KeyedHasher& hasher_;
};

// Whether a cached identity may pass on a route with this policy (routes differ).
bool policy_admits(const Policy& policy, const Identity& identity);

}  // namespace latchkey::auth

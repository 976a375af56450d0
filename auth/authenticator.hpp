// The authentication decision for one set of Basic credentials on one route. Pure logic
// over a CredentialStore: no sockets, no SQL. Blocking (store lookups, Argon2).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorization_header.hpp"
#include "auth/credential_store.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/scopes.hpp"
#include "auth/token.hpp"

namespace latchkey::auth {

// deny_if_totp: accounts without TOTP may use their account password; deny: no account may.
// first_factor: latchkey's own sign-in, where a second factor follows for a TOTP account;
// never a route's policy (§5.1).
enum class AccountPasswordPolicy { deny_if_totp, deny, first_factor };

struct Policy {
  bool accept_app_password = true;
  AccountPasswordPolicy account_password = AccountPasswordPolicy::deny_if_totp;
  bool accept_token = false;  // permanent and access tokens, as Bearer or as Basic password
  std::vector<std::string> required_scopes;  // the credential must carry all of them
  bool operator==(const Policy&) const = default;
};

enum class CredentialType { app_password, account_password, token };
std::string_view to_string(CredentialType type);

struct Identity {
  std::int64_t user_id = 0;
  std::string username;  // as stored, not as typed
  std::string email;
  CredentialType credential = CredentialType::app_password;
  std::optional<std::int64_t> app_password_id;
  std::string app_password_name;
  bool totp_enabled = false;
  // Tokens: which one, and its name (a permanent token's, or the application password's
  // that an OAuth token came from), for logs and the signed assertion.
  std::optional<TokenKind> token_kind;
  std::optional<std::int64_t> token_id;
  std::string token_name;
  Scopes scopes;  // what the credential carries; nullopt: every scope
  // When the credential itself ends (an expiring app password or token): the verified cache
  // never keeps it past that, whatever its TTL.
  std::optional<std::chrono::system_clock::time_point> expires_at;
  // The credential's name whatever its kind ("" for an account password).
  const std::string& credential_name() const {
    return credential == CredentialType::token ? token_name : app_password_name;
  }
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
  account_locked,             // too many consecutive failures; refused even with the right one
  store_unavailable,
  bad_token,                  // well-formed token, but unknown, expired, revoked or spent
  not_a_token,                // token prefix but a bad check suffix: no database query
  token_wrong_user,           // a valid token sent as Basic password with another username
  insufficient_scope,         // the credential lacks a scope the route requires
};

std::string_view to_string(DenyReason r);

struct Decision {
  DenyReason reason = DenyReason::none;  // none means allowed
  std::optional<Identity> identity;      // set when allowed
  // With account_locked: when the lock ends by itself (for Retry-After and the log).
  std::optional<std::chrono::system_clock::time_point> locked_until;
  // With FailureRecording::deferred and a wrong password for a known account: the caller
  // passes it to Authenticator::record_failure once the answer is on its way.
  std::optional<std::int64_t> failed_user_id;
  // first_factor passed for a TOTP account with failed logins on record: only the second
  // factor may clear them (Authenticator::second_factor_passed), or guessed codes never lock.
  bool failures_pending = false;
  // An account password allowed: the PHC string it was checked against, for what is issued
  // on the strength of it (TokenGrant::checked_password_hash). Never logged.
  std::string checked_password_hash;
  bool allowed() const { return reason == DenyReason::none; }
};

class Authenticator {
 public:
  // inline_: a failure is written during verify (simple callers, tests). deferred: verify only
  // reports it in Decision::failed_user_id, so the extra write does not tell a known user from
  // an unknown one by timing; the caller then calls record_failure off the response path.
  enum class FailureRecording { inline_, deferred };

  Authenticator(CredentialStore& store, const KeyedHasher& hasher, LockPolicy lock_policy = {},
                FailureRecording failure_recording = FailureRecording::inline_);

  // Counts a failed login towards the account lock. Blocking; never throws.
  void record_failure(std::int64_t user_id) const noexcept;
  // A TOTP account's second factor passed after first_factor: clears its failed logins when
  // the decision had failures_pending. Blocking; never throws.
  void second_factor_passed(const Decision& first_factor) const noexcept;

  // Order: application password (check symbol first, then one indexed lookup), then, where
  // the policy allows, the account password with Argon2id. Unknown users pay a dummy
  // Argon2id verification. Throws nothing: store failures become store_unavailable.
  //
  // Account lock (§5.5): a locked account is refused with account_locked whatever the
  // credential, after the same work as an unlocked one. A wrong account password of a known,
  // unlocked account is counted by the store, which locks at lock_policy.lock_after (that
  // attempt still reads bad_password). An app password that is not found names no account,
  // so it is not counted here; the caller charges it to the client address. A right account
  // password clears the count, except under first_factor for a TOTP account, whose second
  // factor must clear it. Call only on a cache miss: a hit is no login attempt.
  Decision verify(const BasicCredentials& credentials, const Policy& policy) const;

  // A Bearer token (RFC 6750): check suffix first (not_a_token, no store call), then one
  // indexed lookup. Refresh tokens are no credential for a route. Scopes are the caller's
  // check (scopes_admit), since cached identities need it too.
  Decision verify_bearer(std::string_view token, const Policy& policy) const;

  const LockPolicy& lock_policy() const { return lock_policy_; }

 private:
  CredentialStore& store_;
  const KeyedHasher& hasher_;
  LockPolicy lock_policy_;
  FailureRecording failure_recording_;

  Decision verify_token(std::string_view token, std::optional<std::string_view> username) const;
};

// Whether a cached identity may pass on a route with this policy (routes differ).
bool policy_admits(const Policy& policy, const Identity& identity);

// Whether the identity carries every scope the route requires (else insufficient_scope, 403).
bool scopes_admit(const Policy& policy, const Identity& identity);

}  // namespace latchkey::auth

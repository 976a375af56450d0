// What the OAuth endpoints need from storage: issue an access/refresh pair, exchange a refresh
// token (rotation with reuse detection), revoke a token. Implemented by db::PgTokenStore.
// Calls block: run them off the IO threads. Failures throw StoreUnavailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/credential_store.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/scopes.hpp"

namespace latchkey::auth {

// Whom a pair of tokens is for, and what it may do.
struct TokenGrant {
  std::int64_t user_id = 0;
  std::string username;
  std::optional<std::int64_t> app_password_id;  // nullopt when an account password was used
  std::string name;                             // the application password's name
  Scopes scopes;
  std::optional<std::string> client_id;
  // A grant of the account password: the PHC string it was checked against. The pair is
  // stored only while that is still the account's password and TOTP is still off (§5.1), so a
  // password change or TOTP confirm that raced the grant cannot leave it live.
  std::optional<std::string> checked_password_hash;
};

// The digests of a new pair and how long each lives.
struct NewPair {
  Digest access{};
  std::chrono::milliseconds access_ttl{};
  Digest refresh{};
  std::chrono::milliseconds refresh_ttl{};
};

enum class RefreshStatus {
  rotated,          // the old token is spent, the new pair is stored
  unknown,          // no such refresh token
  reused,           // already exchanged: the whole family was revoked (theft detection)
  inactive,         // expired, revoked, or its application password revoked
  client_mismatch,  // issued to another client_id (RFC 6749 §6)
  scope_exceeded,   // asks for more than the original grant (RFC 6749 §6)
  account_refused,  // the account is disabled
  account_locked,   // the account is locked for now (failed logins); the token stays unspent
};

struct RefreshResult {
  RefreshStatus status = RefreshStatus::unknown;
  // Whom the token was for (unless unknown); on rotation, scopes are the new access token's.
  TokenGrant grant;
  std::optional<std::chrono::system_clock::time_point> locked_until;  // set when account_locked
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Stores a new pair starting a new family; writes a `token.issued` audit event. False, and
  // nothing written, when the grant's checked_password_hash is no longer the account's (or
  // TOTP came on) by the time it would be stored.
  virtual bool issue_pair(const TokenGrant& grant, const NewPair& pair,
                          std::string_view audit_source) = 0;

  // Exchanges a refresh token: on success it is spent and `pair` stored in its family, the
  // access token with the requested scopes (nullopt: the presented token's), the refresh token
  // with the presented token's (RFC 6749 §6). Reuse of a spent token revokes the family,
  // writes `token.refresh_reused` and notifies replicas.
  virtual RefreshResult refresh(const Digest& presented,
                                const std::optional<std::string>& client_id,
                                const Scopes& requested, const NewPair& pair,
                                std::string_view audit_source) = 0;

  // RFC 7009: revokes the token with this digest (a refresh token takes its family along);
  // false when there was none to revoke.
  virtual bool revoke(const Digest& digest, std::string_view audit_source) = 0;
};

}  // namespace latchkey::auth

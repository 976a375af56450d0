// What the authenticator needs from storage. Implemented by db::PgCredentialStore and, in
// unit tests, by an in-memory store. Calls block: run them off the IO threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "auth/keyed_hash.hpp"
#include "auth/scopes.hpp"
#include "auth/token.hpp"

namespace latchkey::auth {

struct UserRecord {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::string password_hash;  // Argon2id PHC string; empty when the account has none
  bool totp_enabled = false;
  bool disabled = false;
  // Set only while the account is locked (the store compares with its own clock).
  std::optional<std::chrono::system_clock::time_point> locked_until{};
  int failed_logins = 0;  // consecutive failures since the last success, lock or unlock
  int lock_count = 0;     // locks since the last successful login; each doubles the next
};

// DESIGN.md §5.5: after `lock_after` consecutive failures an account is locked for
// lock_duration * 2^(earlier locks), at most lock_duration_max; the lock ends by itself.
struct LockPolicy {
  int lock_after = 10;
  std::chrono::milliseconds lock_duration{60'000};
  std::chrono::milliseconds lock_duration_max{3'600'000};
};

// What record_failed_login left behind.
struct LockState {
  int failed_logins = 0;  // consecutive failures now; 0 right after a lock starts
  // Set when this failure locked the account (the lock is then audited), or when the account
  // was locked already and the failure was not counted.
  std::optional<std::chrono::system_clock::time_point> locked_until{};
  bool locked_now = false;  // this failure started the lock
};

struct AppPasswordMatch {
  std::int64_t id = 0;
  std::string name;
  UserRecord user;
  Scopes scopes;  // nullopt: every scope
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

// A live token: not revoked, not expired, a refresh token not yet exchanged, and the
// application password it came from (if any) still live.
struct TokenMatch {
  std::int64_t id = 0;
  TokenKind kind = TokenKind::permanent;
  std::string name;  // the permanent token's name, or the application password's
  Scopes scopes;
  std::optional<std::int64_t> app_password_id;
  std::optional<std::string> client_id;
  std::chrono::system_clock::time_point created_at{};
  std::optional<std::chrono::system_clock::time_point> expires_at;
  UserRecord user;
};

// Thrown when the store cannot answer (database down); the request fails closed with 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;

  // Case-insensitive username lookup.
  virtual std::optional<UserRecord> find_user(std::string_view username) = 0;

  // The live (not revoked, not expired) application password with this keyed hash.
  virtual std::optional<AppPasswordMatch> find_app_password(const Digest& hash) = 0;

  // The live token with this keyed hash (any kind; the caller checks it). Stores that hold
  // no tokens find none.
  virtual std::optional<TokenMatch> find_token(const Digest& /*digest*/) { return std::nullopt; }

  // Counts a wrong password of a known account, atomically across replicas; the failure that
  // reaches policy.lock_after locks the account and writes its `account.locked` audit event.
  // Failures while the account is locked are not counted, so an attack cannot extend a lock.
  virtual LockState record_failed_login(std::int64_t user_id, const LockPolicy& policy) = 0;

  // Clears the failure count and lock history after a right credential. Writes nothing when
  // there is nothing to clear, so a busy account costs no write.
  virtual void record_successful_login(std::int64_t user_id) = 0;
};

}  // namespace latchkey::auth

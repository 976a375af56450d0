// What the self-service API does, one blocking call per request (database, Argon2): run only
// on the blocking pool. Each call leases one pooled connection and uses the admin repository,
// so the page changes credentials exactly as the CLI does (audit rows, NOTIFY to caches).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/secret_box.hpp"
#include "db/admin_repository.hpp"
#include "db/connection_pool.hpp"
#include "db/session_store.hpp"
#include "db/token_repository.hpp"

namespace latchkey::web {

// A secret the user typed was wrong (a TOTP code, a recovery code, the current password):
// the call changed nothing. `reason` goes to the log and metrics, `message` to the page.
class Refused : public std::runtime_error {
 public:
  Refused(std::string reason, const std::string& message)
      : std::runtime_error(message), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }
  // Set when the failure counts towards the account lock.
  std::optional<std::int64_t> failed_user_id;

 private:
  std::string reason_;
};

struct SignInRequest {
  std::string username;
  std::string password;
  std::string code;  // TOTP code or recovery code; empty when not given yet
  std::string client_address;
};

enum class SignInStatus {
  signed_in,
  totp_required,  // the password was right; TOTP is on and no code came with it
  refused,        // wrong password, unknown user, wrong or used code, disabled
  locked,
  unavailable,
};

struct SignInResult {
  SignInStatus status = SignInStatus::refused;
  std::string reason;      // for the log and metrics
  std::string username;    // as stored, when known
  std::string session_id;  // the cookie value, when signed in
  std::optional<std::chrono::system_clock::time_point> locked_until;
  std::optional<std::int64_t> failed_user_id;  // counts towards the lock, after the answer
  bool guess = true;                           // false: no failure (budget refunded)
  bool totp_enabled = false;                   // the account's, when signed in
};

struct NewAppPassword {
  db::AppPasswordInfo info;
  std::string password;  // formatted xxxx-xxxx-xxxx-xxxx, shown once
};

struct NewToken {
  db::TokenInfo info;
  std::string token;  // lkp_..., shown once
};

struct TokenRequest {
  std::string name;
  auth::Scopes scopes;                                 // nullopt: every scope
  std::optional<std::chrono::milliseconds> lifetime;  // nullopt: never expires
};

struct TotpStatus {
  bool enabled = false;
  bool pending = false;
  int recovery_codes_left = 0;
};

struct TotpStart {
  std::string secret;  // base32
  std::string otpauth_uri;
  std::string qr_svg;
};

// Turning TOTP on: both steps check the current password (see confirm_totp).
struct TotpConfirm {
  std::string current_password;
  std::string code;
};

struct PasswordChange {
  std::string current_password;
  std::string new_password;
  std::string code;
  bool revoke_app_passwords = true;
};

// A change to the account's credentials ends every session of it, the caller's too; the caller
// goes on under `session_id`, a new one (empty: the account changed again meanwhile, or the
// caller's session had ended, so it is signed out).
struct TotpConfirmation {
  std::vector<std::string> recovery_codes;  // the ten, shown once
  std::string session_id;
};

struct PasswordChanged {
  int revoked_app_passwords = 0;  // permanent tokens go with them
  std::string session_id;
};

class AccountService {
 public:
  AccountService(db::ConnectionPool& pool, const auth::Authenticator& authenticator,
                 const auth::KeyedHasher& hasher, auth::SecretBox totp_box,
                 db::SessionLifetime lifetime);

  SignInResult sign_in(const SignInRequest& request) const;
  std::optional<db::SessionUser> find_session(const std::string& session_id) const;
  void sign_out(const std::string& session_id) const;

  std::vector<db::AppPasswordInfo> list_app_passwords(const db::SessionUser& user) const;
  NewAppPassword create_app_password(const db::SessionUser& user, const std::string& name,
                                     const std::string& address) const;
  std::string revoke_app_password(const db::SessionUser& user, std::int64_t id,
                                  const std::string& address) const;
  int revoke_all_app_passwords(const db::SessionUser& user, const std::string& address) const;

  // Permanent tokens, through the CLI's repository (audit rows, NOTIFY to caches).
  std::vector<db::TokenInfo> list_tokens(const db::SessionUser& user) const;
  NewToken create_token(const db::SessionUser& user, const TokenRequest& request,
                        const std::string& address) const;
  std::string revoke_token(const db::SessionUser& user, std::int64_t id,
                           const std::string& address) const;

  TotpStatus totp_status(const db::SessionUser& user) const;
  // Throws Refused on a wrong current password: a session alone must not enrol a secret.
  TotpStart start_totp(const db::SessionUser& user, const std::string& current_password,
                       const std::string& address) const;
  // Throws Refused on a wrong current password or a wrong or used code. The account's sessions
  // end; the one of `session_id`, the page that turned TOTP on, goes on under a new id.
  TotpConfirmation confirm_totp(const db::SessionUser& user, const std::string& session_id,
                                const TotpConfirm& confirm, const std::string& address) const;
  // `code`: a current TOTP code or a recovery code.
  void disable_totp(const db::SessionUser& user, const std::string& code,
                    const std::string& address) const;
  std::vector<std::string> new_recovery_codes(const db::SessionUser& user, const std::string& code,
                                              const std::string& address) const;
  // The account's sessions end; the one of `session_id` goes on under a new id.
  PasswordChanged change_password(const db::SessionUser& user, const std::string& session_id,
                                  const PasswordChange& change, const std::string& address) const;

  const auth::KeyedHasher& hasher() const { return hasher_; }

 private:
  auth::Digest session_digest(const std::string& session_id) const;
  // The account password through the Authenticator (Argon2, lock, failure count); throws
  // Refused when wrong, auth::StoreUnavailable when it cannot tell.
  auth::Decision check_current_password(const db::SessionUser& user,
                                        const std::string& password) const;
  // Checks a TOTP or recovery code of an account with TOTP on and uses it up; throws Refused.
  void use_second_factor(db::AdminRepository& repository, std::int64_t user_id,
                         const std::string& username, const std::string& code) const;
  std::vector<std::string> make_recovery_codes(std::vector<auth::Digest>& digests) const;
  // A current TOTP code that works once, or Refused (for confirm: the pending secret).
  std::int64_t check_totp(const db::TotpEnrolment& enrolment, const std::string& code) const;
  // Stores the session `new_id` for the caller after a change that ended its old one, signed
  // in at `signed_in_at` (kept: renewing must not extend session_max); false when that cannot
  // be done (see TotpConfirmation). Never throws: the change is done.
  bool start_renewed_session(db::SessionStore& sessions, const db::SessionUser& user,
                             const std::string& new_id, const db::SignInProof& proof,
                             db::Timestamp signed_in_at, const std::string& address) const;

  db::ConnectionPool& pool_;
  const auth::Authenticator& authenticator_;
  const auth::KeyedHasher& hasher_;
  auth::SecretBox totp_box_;
  db::SessionLifetime lifetime_;
};

}  // namespace latchkey::web

// What the admin CLI (and later the self-service API) changes in the database. Each
// operation is one transaction that also writes its audit_events row, so nothing is ever
// half-written; changes to credentials also NOTIFY kCredentialsChangedChannel at commit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/keyed_hash.hpp"
#include "auth/scopes.hpp"
#include "db/credential_info.hpp"
#include "db/errors.hpp"
#include "db/timestamp.hpp"

namespace pqxx {
class connection_base;
}

namespace latchkey::db {

struct UserInfo {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  bool disabled = false;
  bool totp_enabled = false;
  bool totp_pending = false;  // enrolment started, not yet confirmed with a code
  bool has_password = false;
  Timestamp created_at;
  std::optional<Timestamp> locked_until;  // set only while the account is locked
  int failed_logins = 0;                  // consecutive failed logins so far
};

// The TOTP state of one account, for `totp confirm`.
struct TotpEnrolment {
  UserInfo user;
  std::optional<std::string> sealed_secret;  // SecretBox output; nullopt when none
  std::optional<std::int64_t> last_step;     // last accepted time step
};

struct AppPasswordInfo : CredentialInfo {
  std::optional<std::string> last_used_agent;
};

// Every method throws NotFound (unknown user or name), Conflict (duplicate, wrong state),
// InvalidValue (refused by a schema check), or auth::StoreUnavailable (database failure).
// Usernames match case-insensitively. Blocking.
class AdminRepository {
 public:
  // `source` goes into audit_events.source ("cli", or a client address).
  explicit AdminRepository(pqxx::connection_base& connection, std::string source = "cli");

  // Bounds what one account (or a script with its session) can make the database hold.
  static constexpr std::int64_t kMaxLiveAppPasswords = 100;

  UserInfo create_user(std::string_view username, std::string_view email,
                       std::string_view password_hash);
  std::vector<UserInfo> list_users();
  std::optional<UserInfo> find_user(std::string_view username);
  // Returns false (and writes nothing) when the account was already disabled.
  bool disable_user(std::string_view username);
  // Sets the password hash (`latchkey user passwd`), revokes the OAuth tokens the account
  // password obtained and ends every self-service session; application passwords stay.
  void set_password(std::string_view username, std::string_view password_hash);
  // Ends a lock and clears the failure count, with an `account.unlocked` audit row. Returns
  // false when the account was not locked; failures it had are cleared (and audited) anyway.
  bool unlock_user(std::string_view username);

  TotpEnrolment totp_enrolment(std::string_view username);
  // Stores a new secret, pending until confirmed; Conflict when TOTP is already enabled.
  // `sealed_secret` must be sealed with the context "totp:user:<user_id>".
  void set_totp_pending(std::int64_t user_id, std::string_view sealed_secret);
  // Enables TOTP if the stored secret is still `sealed_secret` and `step` is newer than any
  // step accepted before; Conflict otherwise (a replayed or raced code, or a new enrolment).
  // `recovery_codes` (keyed digests) replace any earlier ones in the same transaction. The
  // OAuth tokens the account password obtained are revoked and the self-service sessions end,
  // all but `keep_session` (the page's own; nullopt from the CLI: every one).
  void confirm_totp(std::int64_t user_id, std::string_view sealed_secret, std::int64_t step,
                    const std::vector<auth::Digest>& recovery_codes = {},
                    const std::optional<auth::Digest>& keep_session = std::nullopt);
  // Removes an enabled or pending secret and the recovery codes; Conflict when there is none.
  void disable_totp(std::string_view username);
  // Removes a pending (unconfirmed) secret only, checked under the user's row lock: false, and
  // nothing written, when TOTP is enabled by then (the caller must ask for a code); Conflict
  // when there is no secret at all. Turning off a pending enrolment needs no code.
  bool cancel_pending_totp(std::string_view username);

  // ---- self-service (web/) ----
  // Takes `step` of the enabled secret `sealed_secret` at sign-in; false when that step (or a
  // later one) was accepted before or the secret changed meanwhile: each code works once.
  bool accept_totp_step(std::int64_t user_id, std::string_view sealed_secret, std::int64_t step);
  // Marks an unused recovery code used; false when there is no such unused code.
  bool use_recovery_code(std::int64_t user_id, const auth::Digest& digest);
  int recovery_codes_left(std::int64_t user_id);
  // Replaces every recovery code of an account with TOTP enabled; Conflict otherwise.
  void replace_recovery_codes(std::int64_t user_id, const std::vector<auth::Digest>& digests);
  // Revokes the live password `id` of the user; returns its name. NotFound when none.
  std::string revoke_app_password(std::string_view username, std::int64_t id);
  // Revokes every live password of the user; returns how many.
  int revoke_all_app_passwords(std::string_view username);
  // Sets the password hash, revokes the OAuth tokens the account password obtained, ends the
  // user's other sessions (all but `keep_session`), and revokes every application password and
  // permanent token when asked; returns how many application passwords were revoked.
  int change_password(std::int64_t user_id, std::string_view password_hash,
                      bool revoke_app_passwords, const auth::Digest& keep_session);

  // `scopes`: what the password (and tokens issued for it) may do; nullopt: everything.
  AppPasswordInfo create_app_password(std::string_view username, std::string_view name,
                                      const auth::Digest& digest,
                                      const auth::Scopes& scopes = std::nullopt);
  std::vector<AppPasswordInfo> list_app_passwords(std::string_view username);
  void revoke_app_password(std::string_view username, std::string_view name);

 private:
  pqxx::connection_base& connection_;
  std::string source_;
};

}  // namespace latchkey::db

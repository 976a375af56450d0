#include "db/admin_repository.hpp"

#include <pqxx/connection_base>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>
#include <type_traits>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/repository_transaction.hpp"
#include "db/row_fields.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"

namespace latchkey::db {
namespace {

UserInfo user_from(const pqxx::row& row) {
  UserInfo user;
  user.id = row[0].as<std::int64_t>();
  user.username = row[1].as<std::string>();
  user.email = row[2].as<std::string>();
  user.disabled = row[3].as<bool>();
  user.totp_enabled = row[4].as<bool>();
  user.totp_pending = row[5].as<bool>();
  user.has_password = row[6].as<bool>();
  user.created_at = from_unix_micros(row[7].as<std::int64_t>());
  user.locked_until = optional_time(row[8]);
  user.failed_logins = row[9].as<int>();
  return user;
}

// A row of kFindUserTotp / kLockUser / kLockUserById: the user columns, then TOTP state.
TotpEnrolment enrolment_from(const pqxx::row& row) {
  TotpEnrolment enrolment;
  enrolment.user = user_from(row);
  if (!row[10].is_null()) enrolment.sealed_secret = hex_decode(row[10].as<std::string>());
  if (!row[11].is_null()) enrolment.last_step = row[11].as<std::int64_t>();
  return enrolment;
}

TotpEnrolment lock_user(pqxx::work& tx, std::string_view username) {
  const pqxx::result r = tx.exec_prepared(sql::kLockUser.name, std::string(username));
  if (r.empty()) throw NotFound("no user " + quoted(username));
  return enrolment_from(r[0]);
}

TotpEnrolment lock_user(pqxx::work& tx, std::int64_t user_id) {
  const pqxx::result r = tx.exec_prepared(sql::kLockUserById.name, user_id);
  if (r.empty()) throw NotFound("no user with id " + std::to_string(user_id));
  return enrolment_from(r[0]);
}

struct AuditDetail {
  std::optional<std::string> name;
  std::optional<std::int64_t> app_password_id;
};

void audit(pqxx::work& tx, const UserInfo& user, const char* event, const std::string& source,
           const AuditDetail& detail = {}) {
  tx.exec_prepared0(sql::kInsertAuditEvent.name, user.id, user.username, std::string(event),
                    detail.name, detail.app_password_id, source);
}

// Replaces the user's recovery codes by `digests`.
void store_recovery_codes(pqxx::work& tx, const UserInfo& user,
                          const std::vector<auth::Digest>& digests, const std::string& source) {
  tx.exec_prepared0(sql::kDeleteRecoveryCodes.name, user.id);
  for (const auth::Digest& digest : digests) {
    tx.exec_prepared0(sql::kInsertRecoveryCode.name, user.id, hex_encode(digest));
  }
  audit(tx, user, "recovery_codes.created", source);
}

// Audit events that also name, as `reason`, why credentials were ended with them.
constexpr const char* kPasswordChanged = "user.password_changed";
constexpr const char* kTotpEnabled = "totp.enabled";

// OAuth grants of the account password (not of an application password), audited per grant.
void revoke_account_password_tokens(pqxx::work& tx, const UserInfo& user, const char* reason,
                                    const std::string& source) {
  tx.exec_prepared(sql::kRevokeAccountPasswordTokens.name, user.id, user.username,
                   std::string(reason), source);
}

// Self-service sessions but `keep` (the caller's), audited with their count when any ended.
void end_sessions(pqxx::work& tx, const UserInfo& user, const std::optional<auth::Digest>& keep,
                  const char* reason, const std::string& source) {
  const std::optional<std::string> keep_hex =
      keep ? std::optional(hex_encode(*keep)) : std::nullopt;
  tx.exec_prepared0(sql::kEndSessions.name, user.id, keep_hex, user.username, std::string(reason),
                    source);
}

// §5.1: what the account password alone obtained must not outlive a new password or TOTP.
void end_account_password_credentials(pqxx::work& tx, const UserInfo& user, const char* reason,
                                      const std::optional<auth::Digest>& keep_session,
                                      const std::string& source) {
  revoke_account_password_tokens(tx, user, reason, source);
  end_sessions(tx, user, keep_session, reason, source);
}

// Replicas drop cached verifications of this user once the transaction commits.
void notify_credentials_changed(pqxx::work& tx, const UserInfo& user) {
  tx.exec_prepared(sql::kNotifyCredentialsChanged.name, std::to_string(user.id));
}

}  // namespace

AdminRepository::AdminRepository(pqxx::connection_base& connection, std::string source)
    : connection_(connection), source_(std::move(source)) {
  prepare_statements(connection_);
}

UserInfo AdminRepository::create_user(std::string_view username, std::string_view email,
                                      std::string_view password_hash) {
  return in_transaction(connection_, "create_user", [&](pqxx::work& tx) {
    UserInfo user;
    try {
      user = user_from(tx.exec_prepared1(sql::kInsertUser.name, std::string(username),
                                         std::string(email), std::string(password_hash)));
    } catch (const pqxx::unique_violation&) {
      throw Conflict("a user named " + quoted(username) + " already exists (names ignore case)");
    }
    audit(tx, user, "user.created", source_);
    return user;
  });
}

std::vector<UserInfo> AdminRepository::list_users() {
  return in_transaction(connection_, "list_users", [&](pqxx::work& tx) {
    std::vector<UserInfo> users;
    for (const auto& row : tx.exec_prepared(sql::kListUsers.name)) users.push_back(user_from(row));
    return users;
  });
}

std::optional<UserInfo> AdminRepository::find_user(std::string_view username) {
  return in_transaction(connection_, "find_user", [&](pqxx::work& tx) -> std::optional<UserInfo> {
    const pqxx::result r = tx.exec_prepared(sql::kFindUser.name, std::string(username));
    if (r.empty()) return std::nullopt;
    return user_from(r[0]);
  });
}

bool AdminRepository::disable_user(std::string_view username) {
  return in_transaction(connection_, "disable_user", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, username).user;
    if (user.disabled) return false;
    tx.exec_prepared0(sql::kDisableUser.name, user.id);
    audit(tx, user, "user.disabled", source_);
    notify_credentials_changed(tx, user);
    return true;
  });
}

void AdminRepository::set_password(std::string_view username, std::string_view password_hash) {
  in_transaction(connection_, "set_password", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, username).user;
    tx.exec_prepared0(sql::kSetPassword.name, user.id, std::string(password_hash));
    audit(tx, user, kPasswordChanged, source_);
    // App passwords stay: an admin reset of a forgotten password must not break their devices.
    end_account_password_credentials(tx, user, kPasswordChanged, std::nullopt, source_);
    notify_credentials_changed(tx, user);
  });
}

bool AdminRepository::unlock_user(std::string_view username) {
  return in_transaction(connection_, "unlock_user", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, username).user;
    if (!user.locked_until && user.failed_logins == 0) return false;
    tx.exec_prepared0(sql::kUnlockUser.name, user.id);
    const std::optional<std::string> until =
        user.locked_until ? std::optional(to_iso8601(*user.locked_until)) : std::nullopt;
    tx.exec_prepared0(sql::kInsertLockAuditEvent.name, user.id, user.username,
                      std::string("account.unlocked"), until, user.failed_logins, source_);
    // No NOTIFY: no cache holds a refusal, so nothing cached went stale.
    return user.locked_until.has_value();
  });
}

TotpEnrolment AdminRepository::totp_enrolment(std::string_view username) {
  return in_transaction(connection_, "totp_enrolment", [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_prepared(sql::kFindUserTotp.name, std::string(username));
    if (r.empty()) throw NotFound("no user " + quoted(username));
    return enrolment_from(r[0]);
  });
}

void AdminRepository::set_totp_pending(std::int64_t user_id, std::string_view sealed_secret) {
  in_transaction(connection_, "set_totp_pending", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, user_id).user;
    if (user.totp_enabled) {
      throw Conflict("TOTP is already enabled for " + quoted(user.username) + "; disable it first");
    }
    tx.exec_prepared0(sql::kSetTotpPending.name, user.id, hex_encode(sealed_secret));
    audit(tx, user, "totp.pending", source_);
  });
}

void AdminRepository::confirm_totp(std::int64_t user_id, std::string_view sealed_secret,
                                   std::int64_t step,
                                   const std::vector<auth::Digest>& recovery_codes,
                                   const std::optional<auth::Digest>& keep_session) {
  in_transaction(connection_, "confirm_totp", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, user_id).user;
    if (user.totp_enabled) throw Conflict("TOTP is already enabled for " + quoted(user.username));
    const pqxx::result r =
        tx.exec_prepared0(sql::kConfirmTotp.name, user.id, hex_encode(sealed_secret), step);
    if (r.affected_rows() != 1) {
      throw Conflict("TOTP code for " + quoted(user.username) +
                     " was already used, or the enrolment changed meanwhile");
    }
    audit(tx, user, kTotpEnabled, source_);
    if (!recovery_codes.empty()) store_recovery_codes(tx, user, recovery_codes, source_);
    end_account_password_credentials(tx, user, kTotpEnabled, keep_session, source_);
    notify_credentials_changed(tx, user);
  });
}

void AdminRepository::disable_totp(std::string_view username) {
  in_transaction(connection_, "disable_totp", [&](pqxx::work& tx) {
    const TotpEnrolment enrolment = lock_user(tx, username);
    if (!enrolment.sealed_secret) {
      throw Conflict("TOTP is not enabled for " + quoted(enrolment.user.username));
    }
    tx.exec_prepared0(sql::kDisableTotp.name, enrolment.user.id);
    tx.exec_prepared0(sql::kDeleteRecoveryCodes.name, enrolment.user.id);
    audit(tx, enrolment.user, "totp.disabled", source_);
    notify_credentials_changed(tx, enrolment.user);
  });
}

bool AdminRepository::cancel_pending_totp(std::string_view username) {
  return in_transaction(connection_, "cancel_pending_totp", [&](pqxx::work& tx) {
    const TotpEnrolment enrolment = lock_user(tx, username);
    if (!enrolment.sealed_secret) {
      throw Conflict("TOTP is not enabled for " + quoted(enrolment.user.username));
    }
    // Enabled since the caller looked: dropping it without a code would bypass the second factor.
    if (enrolment.user.totp_enabled) return false;
    tx.exec_prepared0(sql::kCancelPendingTotp.name, enrolment.user.id);
    tx.exec_prepared0(sql::kDeleteRecoveryCodes.name, enrolment.user.id);
    audit(tx, enrolment.user, "totp.disabled", source_);
    // No NOTIFY: TOTP stayed off, so no cached verification went stale.
    return true;
  });
}

AppPasswordInfo AdminRepository::create_app_password(std::string_view username,
                                                     std::string_view name,
                                                     const auth::Digest& digest,
                                                     const auth::Scopes& scopes) {
  return in_transaction(connection_, "create_app_password", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, username).user;
    // Counted under the user row's lock, so two creations at once cannot both pass.
    if (tx.exec_prepared1(sql::kCountLiveAppPasswords.name, user.id)[0].as<std::int64_t>() >=
        kMaxLiveAppPasswords) {
      throw Conflict(quoted(user.username) + " has " + std::to_string(kMaxLiveAppPasswords) +
                     " live application passwords, the most an account may have; revoke "
                     "unused ones first");
    }
    AppPasswordInfo info;
    try {
      const pqxx::row row = tx.exec_prepared1(sql::kInsertAppPassword.name, user.id,
                                              std::string(name), hex_encode(digest));
      info.id = row[0].as<std::int64_t>();
      info.created_at = from_unix_micros(row[1].as<std::int64_t>());
    } catch (const pqxx::unique_violation& e) {
      if (primary_message(e).find("app_passwords_live_name_key") != std::string::npos) {
        throw Conflict(quoted(user.username) + " already has an application password named " +
                       quoted(name) + "; revoke it or choose another name");
      }
      // Two equal 75-bit random passwords: practically never, but say so plainly.
      throw Conflict("the generated application password collided with an existing one; retry");
    }
    info.name = std::string(name);
    if (scopes) {
      tx.exec_prepared0(sql::kSetAppPasswordScopes.name, info.id, auth::join_scopes(*scopes));
    }
    audit(tx, user, "app_password.created", source_, {info.name, info.id});
    return info;
  });
}

std::vector<AppPasswordInfo> AdminRepository::list_app_passwords(std::string_view username) {
  return in_transaction(connection_, "list_app_passwords", [&](pqxx::work& tx) {
    const pqxx::result users = tx.exec_prepared(sql::kFindUser.name, std::string(username));
    if (users.empty()) throw NotFound("no user " + quoted(username));
    std::vector<AppPasswordInfo> list;
    for (const auto& row :
         tx.exec_prepared(sql::kListAppPasswords.name, users[0][0].as<std::int64_t>())) {
      AppPasswordInfo info;
      info.id = row[0].as<std::int64_t>();
      info.name = row[1].as<std::string>();
      info.created_at = from_unix_micros(row[2].as<std::int64_t>());
      info.expires_at = optional_time(row[3]);
      info.last_used_at = optional_time(row[4]);
      info.last_used_from = optional_text(row[5]);
      info.last_used_agent = optional_text(row[6]);
      info.revoked_at = optional_time(row[7]);
      info.state = credential_state(info.revoked_at.has_value(), row[8].as<bool>());
      list.push_back(std::move(info));
    }
    return list;
  });
}

void AdminRepository::revoke_app_password(std::string_view username, std::string_view name) {
  in_transaction(connection_, "revoke_app_password", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, username).user;
    const pqxx::result r =
        tx.exec_prepared(sql::kRevokeAppPassword.name, user.id, std::string(name));
    if (r.empty()) {
      throw NotFound(quoted(user.username) + " has no active application password named " +
                     quoted(name));
    }
    audit(tx, user, "app_password.revoked", source_,
          {std::string(name), r[0][0].as<std::int64_t>()});
    notify_credentials_changed(tx, user);
  });
}

bool AdminRepository::accept_totp_step(std::int64_t user_id, std::string_view sealed_secret,
                                       std::int64_t step) {
  return in_transaction(connection_, "accept_totp_step", [&](pqxx::work& tx) {
    const pqxx::result r =
        tx.exec_prepared0(sql::kAcceptTotpStep.name, user_id, hex_encode(sealed_secret), step);
    return r.affected_rows() == 1;
  });
}

bool AdminRepository::use_recovery_code(std::int64_t user_id, const auth::Digest& digest) {
  return in_transaction(connection_, "use_recovery_code", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, user_id).user;
    const pqxx::result r =
        tx.exec_prepared(sql::kUseRecoveryCode.name, user.id, hex_encode(digest));
    if (r.empty()) return false;
    audit(tx, user, "recovery_code.used", source_);
    return true;
  });
}

int AdminRepository::recovery_codes_left(std::int64_t user_id) {
  return in_transaction(connection_, "recovery_codes_left", [&](pqxx::work& tx) {
    return tx.exec_prepared1(sql::kCountRecoveryCodes.name, user_id)[0].as<int>();
  });
}

void AdminRepository::replace_recovery_codes(std::int64_t user_id,
                                             const std::vector<auth::Digest>& digests) {
  in_transaction(connection_, "replace_recovery_codes", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, user_id).user;
    if (!user.totp_enabled) throw Conflict("TOTP is not enabled for " + quoted(user.username));
    store_recovery_codes(tx, user, digests, source_);
  });
}

std::string AdminRepository::revoke_app_password(std::string_view username, std::int64_t id) {
  return in_transaction(connection_, "revoke_app_password", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, username).user;
    const pqxx::result r = tx.exec_prepared(sql::kRevokeAppPasswordById.name, user.id, id);
    if (r.empty()) {
      throw NotFound(quoted(user.username) + " has no active application password with id " +
                     std::to_string(id));
    }
    std::string name = r[0][1].as<std::string>();
    audit(tx, user, "app_password.revoked", source_, {name, id});
    notify_credentials_changed(tx, user);
    return name;
  });
}

namespace {

int revoke_all(pqxx::work& tx, const UserInfo& user, const std::string& source) {
  const pqxx::result r = tx.exec_prepared(sql::kRevokeAllAppPasswords.name, user.id);
  for (const auto& row : r) {
    audit(tx, user, "app_password.revoked", source,
          {row[1].as<std::string>(), row[0].as<std::int64_t>()});
  }
  return static_cast<int>(r.size());
}

// Audited as `latchkey token revoke` does, one row per token.
void revoke_permanent_tokens(pqxx::work& tx, const UserInfo& user, const std::string& source) {
  for (const auto& row : tx.exec_prepared(sql::kRevokeAllPermanentTokens.name, user.id)) {
    tx.exec_prepared0(sql::kInsertTokenAuditEvent.name, user.id, user.username,
                      std::string("token.revoked"), row[1].as<std::string>(),
                      row[0].as<std::int64_t>(), std::string("permanent"),
                      std::optional<std::int64_t>{}, std::optional<std::string>{}, source);
  }
}

}  // namespace

int AdminRepository::revoke_all_app_passwords(std::string_view username) {
  return in_transaction(connection_, "revoke_all_app_passwords", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, username).user;
    const int count = revoke_all(tx, user, source_);
    if (count > 0) notify_credentials_changed(tx, user);
    return count;
  });
}

int AdminRepository::change_password(std::int64_t user_id, std::string_view password_hash,
                                     bool revoke_app_passwords, const auth::Digest& keep_session) {
  return in_transaction(connection_, "change_password", [&](pqxx::work& tx) {
    const UserInfo user = lock_user(tx, user_id).user;
    tx.exec_prepared0(sql::kSetPassword.name, user.id, std::string(password_hash));
    audit(tx, user, kPasswordChanged, source_);
    end_account_password_credentials(tx, user, kPasswordChanged, keep_session, source_);
    const int revoked = revoke_app_passwords ? revoke_all(tx, user, source_) : 0;
    if (revoke_app_passwords) revoke_permanent_tokens(tx, user, source_);
    notify_credentials_changed(tx, user);
    return revoked;
  });
}

}  // namespace latchkey::db

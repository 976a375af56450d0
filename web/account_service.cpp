#include "web/account_service.hpp"

#include "auth/app_password.hpp"
#include "auth/password_hash.hpp"
#include "auth/random.hpp"
#include "auth/token.hpp"
#include "auth/totp.hpp"
#include "db/pg_credential_store.hpp"
#include "web/qr_svg.hpp"
#include "web/recovery_code.hpp"

namespace latchkey::web {
namespace {

// The page signs in with the account password only: application passwords are for apps.
// For a TOTP account it is the first factor; the code follows (use_second_factor).
auth::Policy account_password_only() {
  auth::Policy policy;
  policy.accept_app_password = false;
  policy.account_password = auth::AccountPasswordPolicy::first_factor;
  return policy;
}

// A pooled connection is busy at most this long before the call gives up (503).
constexpr std::chrono::seconds kDatabaseWait{5};
constexpr std::size_t kSessionIdBytes = 32;  // 256 bits, far above OWASP's 64-bit minimum
constexpr std::string_view kSessionDigestLabel = "self_service_session";
constexpr std::string_view kWrongCode = "The code is wrong, expired or already used.";

// URL-safe base64 without padding (RFC 4648 §5): a cookie value needs no quoting.
std::string base64url(std::string_view bytes) {
  static constexpr std::string_view kSymbols =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    count += 8;
    while (count >= 6) {
      count -= 6;
      text += kSymbols[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) text += kSymbols[(bits << (6 - count)) & 0x3f];
  return text;
}

std::string new_session_id() {
  return base64url(auth::random_bytes(kSessionIdBytes));
}

void wipe(std::string& secret) {
  std::fill(secret.begin(), secret.end(), '\0');
  secret.clear();
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Refused wrong_code(std::string reason, std::int64_t user_id) {
  Refused refused(std::move(reason), std::string(kWrongCode));
  refused.failed_user_id = user_id;
  return refused;
}

}  // namespace

AccountService::AccountService(db::ConnectionPool& pool, const auth::Authenticator& authenticator,
                               const auth::KeyedHasher& hasher, auth::SecretBox totp_box,
                               db::SessionLifetime lifetime)
    : pool_(pool),
      authenticator_(authenticator),
      hasher_(hasher),
      totp_box_(std::move(totp_box)),
      lifetime_(lifetime) {}

auth::Digest AccountService::session_digest(const std::string& session_id) const {
  return hasher_.digest(kSessionDigestLabel, session_id);
}

auth::Decision AccountService::check_current_password(const db::SessionUser& user,
                                                      const std::string& password) const {
  const auth::Decision decision = authenticator_.verify(
      auth::BasicCredentials{user.username, password}, account_password_only());
  if (decision.reason == auth::DenyReason::store_unavailable) {
    throw auth::StoreUnavailable("cannot check the current password");
  }
  if (!decision.allowed()) {
    Refused refused(
        decision.reason == auth::DenyReason::account_locked ? "account_locked" : "bad_password",
        "The current password is wrong.");
    refused.failed_user_id = decision.failed_user_id;
    throw refused;
  }
  return decision;
}

std::int64_t AccountService::check_totp(const db::TotpEnrolment& enrolment,
                                        const std::string& code) const {
  const std::int64_t user_id = enrolment.user.id;
  if (!enrolment.sealed_secret) throw wrong_code("totp_not_enrolled", user_id);
  std::optional<std::string> secret =
      totp_box_.open(*enrolment.sealed_secret, auth::totp_seal_context(user_id));
  if (!secret) throw std::runtime_error("a TOTP secret does not open with the configured totp_key");
  const std::int64_t now = unix_now();
  const auto step = auth::verify_totp(*secret, code, now, enrolment.last_step);
  const bool right_but_used =
      !step && enrolment.last_step && auth::verify_totp(*secret, code, now, std::nullopt);
  wipe(*secret);
  if (right_but_used) throw wrong_code("totp_replayed", user_id);
  if (!step) throw wrong_code("bad_totp_code", user_id);
  return *step;
}

void AccountService::use_second_factor(db::AdminRepository& repository, std::int64_t user_id,
                                       const std::string& username, const std::string& code) const {
  if (const auto digits = normalize_totp_code(code)) {
    const db::TotpEnrolment enrolment = repository.totp_enrolment(username);
    if (!enrolment.user.totp_enabled) throw wrong_code("totp_not_enabled", user_id);
    const std::int64_t step = check_totp(enrolment, *digits);
    // A code checked by two requests (or replicas) at once is still accepted only once.
    if (!repository.accept_totp_step(user_id, *enrolment.sealed_secret, step)) {
      throw wrong_code("totp_replayed", user_id);
    }
    return;
  }
  if (const auto recovery = normalize_recovery_code(code)) {
    if (!repository.use_recovery_code(user_id,
                                      hasher_.digest(kRecoveryCodeDigestLabel, *recovery))) {
      throw wrong_code("bad_recovery_code", user_id);
    }
    return;
  }
  throw wrong_code("malformed_code", user_id);
}

std::vector<std::string> AccountService::make_recovery_codes(
    std::vector<auth::Digest>& digests) const {
  std::vector<std::string> codes;
  for (std::size_t i = 0; i < kRecoveryCodeCount; ++i) {
    codes.push_back(generate_recovery_code());
    digests.push_back(
        hasher_.digest(kRecoveryCodeDigestLabel, *normalize_recovery_code(codes.back())));
  }
  return codes;
}

SignInResult AccountService::sign_in(const SignInRequest& request) const {
  SignInResult result;
  // The Argon2 verification, the lock and the unknown-user cost are the proxy's own.
  const auth::Policy policy = account_password_only();
  const auth::Decision decision =
      authenticator_.verify(auth::BasicCredentials{request.username, request.password}, policy);
  result.failed_user_id = decision.failed_user_id;
  result.reason = std::string(auth::to_string(decision.reason));
  if (!decision.allowed()) {
    switch (decision.reason) {
      case auth::DenyReason::account_locked:
        result.status = SignInStatus::locked;
        result.locked_until = decision.locked_until;
        break;
      case auth::DenyReason::store_unavailable:
        result.status = SignInStatus::unavailable;
        result.guess = false;
        break;
      case auth::DenyReason::unknown_user:
      case auth::DenyReason::bad_password:
        result.status = SignInStatus::refused;
        break;
      default:  // disabled: a right password, so no guess
        result.status = SignInStatus::refused;
        result.guess = false;
        break;
    }
    return result;
  }
  const auth::Identity& identity = *decision.identity;
  result.username = identity.username;
  if (identity.totp_enabled && request.code.empty()) {
    result.status = SignInStatus::totp_required;
    result.reason = "totp_required";
    result.guess = false;
    return result;
  }
  try {
    result.session_id = pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
      db::AdminRepository repository(connection, request.client_address);
      if (identity.totp_enabled) {
        use_second_factor(repository, identity.user_id, identity.username, request.code);
      }
      std::string id = new_session_id();
      // The password was checked against the account as it was then: a password change or
      // TOTP turned on since must not be followed by a session that outlives it.
      const db::SignInProof proof{decision.checked_password_hash, identity.totp_enabled};
      if (!db::SessionStore(connection, lifetime_)
               .create(session_digest(id), identity.user_id, request.client_address, proof)) {
        throw Refused("sign_in_outdated", "the account changed while signing in; sign in again");
      }
      return id;
    });
  } catch (const Refused& refused) {
    result.status = SignInStatus::refused;
    result.reason = refused.reason();
    result.failed_user_id = refused.failed_user_id;
    result.guess = refused.failed_user_id.has_value();  // sign_in_outdated: a right password
    return result;
  } catch (const auth::StoreUnavailable&) {
    result.status = SignInStatus::unavailable;
    result.reason = "store_unavailable";
    result.guess = false;
    return result;
  }
  authenticator_.second_factor_passed(decision);
  result.status = SignInStatus::signed_in;
  result.reason.clear();
  result.guess = false;
  result.totp_enabled = identity.totp_enabled;
  return result;
}

std::optional<db::SessionUser> AccountService::find_session(const std::string& session_id) const {
  return pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::SessionStore(connection, lifetime_).touch(session_digest(session_id));
  });
}

void AccountService::sign_out(const std::string& session_id) const {
  pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    db::SessionStore(connection, lifetime_).remove(session_digest(session_id));
  });
}

std::vector<db::AppPasswordInfo> AccountService::list_app_passwords(
    const db::SessionUser& user) const {
  return pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::AdminRepository(connection).list_app_passwords(user.username);
  });
}

NewAppPassword AccountService::create_app_password(const db::SessionUser& user,
                                                   const std::string& name,
                                                   const std::string& address) const {
  std::string canonical = auth::generate_app_password();
  const auth::Digest digest = hasher_.digest(auth::kAppPasswordDigestLabel, canonical);
  NewAppPassword created;
  created.info = pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::AdminRepository(connection, address)
        .create_app_password(user.username, name, digest);
  });
  created.password = auth::format_app_password(canonical);
  wipe(canonical);
  return created;
}

std::string AccountService::revoke_app_password(const db::SessionUser& user, std::int64_t id,
                                                const std::string& address) const {
  return pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::AdminRepository(connection, address).revoke_app_password(user.username, id);
  });
}

int AccountService::revoke_all_app_passwords(const db::SessionUser& user,
                                             const std::string& address) const {
  return pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::AdminRepository(connection, address).revoke_all_app_passwords(user.username);
  });
}

std::vector<db::TokenInfo> AccountService::list_tokens(const db::SessionUser& user) const {
  return pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::TokenRepository(connection).list_permanent(user.username);
  });
}

NewToken AccountService::create_token(const db::SessionUser& user, const TokenRequest& request,
                                      const std::string& address) const {
  NewToken created;
  created.token = auth::generate_token(auth::TokenKind::permanent);
  const auth::Digest digest =
      hasher_.digest(auth::token_digest_label(auth::TokenKind::permanent), created.token);
  created.info = pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::TokenRepository(connection, address)
        .create_permanent(user.username, request.name, digest, request.scopes, request.lifetime);
  });
  return created;
}

std::string AccountService::revoke_token(const db::SessionUser& user, std::int64_t id,
                                         const std::string& address) const {
  return pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    return db::TokenRepository(connection, address).revoke_permanent_by_id(user.username, id);
  });
}

TotpStatus AccountService::totp_status(const db::SessionUser& user) const {
  return pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    db::AdminRepository repository(connection);
    const db::TotpEnrolment enrolment = repository.totp_enrolment(user.username);
    TotpStatus status;
    status.enabled = enrolment.user.totp_enabled;
    status.pending = enrolment.user.totp_pending;
    status.recovery_codes_left = status.enabled ? repository.recovery_codes_left(user.user_id) : 0;
    return status;
  });
}

TotpStart AccountService::start_totp(const db::SessionUser& user,
                                     const std::string& current_password,
                                     const std::string& address) const {
  check_current_password(user, current_password);
  std::string secret = auth::random_bytes(auth::kTotpSecretBytes);
  const std::string sealed = totp_box_.seal(secret, auth::totp_seal_context(user.user_id));
  pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    db::AdminRepository(connection, address).set_totp_pending(user.user_id, sealed);
  });
  TotpStart start;
  start.secret = auth::base32_encode(secret);
  start.otpauth_uri = auth::otpauth_uri(user.username, secret);
  start.qr_svg = qr_svg(start.otpauth_uri);
  wipe(secret);
  return start;
}

TotpConfirmation AccountService::confirm_totp(const db::SessionUser& user,
                                              const std::string& session_id,
                                              const TotpConfirm& confirm,
                                              const std::string& address) const {
  const auto digits = normalize_totp_code(confirm.code);
  if (!digits) throw wrong_code("malformed_code", user.user_id);
  // Checked here too, not only at start: the pending secret may come from a start that checked
  // no password (the CLI's, or one made before start asked), or from a QR code left on screen.
  check_current_password(user, confirm.current_password);
  TotpConfirmation confirmation;
  std::vector<auth::Digest> digests;
  confirmation.recovery_codes = make_recovery_codes(digests);
  // Read before the old session is checked below: a password changed after that check fails
  // the new session's proof, one changed before it ended the old session.
  const std::optional<auth::UserRecord> account =
      db::PgCredentialStore(pool_, kDatabaseWait).find_user(user.username);
  std::string new_id = new_session_id();
  const bool renewed = pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    db::AdminRepository repository(connection, address);
    db::SessionStore sessions(connection, lifetime_);
    const db::TotpEnrolment enrolment = repository.totp_enrolment(user.username);
    if (enrolment.user.totp_enabled) throw db::Conflict("TOTP is already on.");
    const std::int64_t step = check_totp(enrolment, *digits);
    const std::optional<db::SessionUser> live = sessions.touch(session_digest(session_id));
    // Every session ends, the caller's old id too: one seen or planted before must not carry
    // the account past its second factor.
    repository.confirm_totp(user.user_id, *enrolment.sealed_secret, step, digests,
                            session_digest(new_id));
    if (!live || !account || account->id != user.user_id) return false;
    return start_renewed_session(sessions, user, new_id, {account->password_hash, true},
                                 live->signed_in_at, address);
  });
  if (renewed) confirmation.session_id = std::move(new_id);
  return confirmation;
}

void AccountService::disable_totp(const db::SessionUser& user, const std::string& code,
                                  const std::string& address) const {
  pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    db::AdminRepository repository(connection, address);
    const db::TotpEnrolment enrolment = repository.totp_enrolment(user.username);
    // A pending enrolment was never proven: dropping it needs no code, unless a confirm
    // (another tab, a stolen session) enabled it since the read above.
    if (!enrolment.user.totp_enabled && repository.cancel_pending_totp(user.username)) return;
    use_second_factor(repository, user.user_id, user.username, code);
    repository.disable_totp(user.username);
  });
}

std::vector<std::string> AccountService::new_recovery_codes(const db::SessionUser& user,
                                                            const std::string& code,
                                                            const std::string& address) const {
  std::vector<auth::Digest> digests;
  std::vector<std::string> codes = make_recovery_codes(digests);
  pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    db::AdminRepository repository(connection, address);
    use_second_factor(repository, user.user_id, user.username, code);
    repository.replace_recovery_codes(user.user_id, digests);
  });
  return codes;
}

PasswordChanged AccountService::change_password(const db::SessionUser& user,
                                                const std::string& session_id,
                                                const PasswordChange& change,
                                                const std::string& address) const {
  const auth::Decision decision = check_current_password(user, change.current_password);
  const std::string hash = auth::hash_password(change.new_password);
  const bool totp = decision.identity->totp_enabled;
  PasswordChanged changed;
  std::string new_id = new_session_id();
  const bool renewed = pool_.run(kDatabaseWait, [&](pqxx::connection& connection) {
    db::AdminRepository repository(connection, address);
    db::SessionStore sessions(connection, lifetime_);
    if (totp) use_second_factor(repository, user.user_id, user.username, change.code);
    const std::optional<db::SessionUser> live = sessions.touch(session_digest(session_id));
    // Every session ends, the caller's old id too: one seen or planted before must not outlive
    // the password it was signed in with.
    changed.revoked_app_passwords = repository.change_password(
        user.user_id, hash, change.revoke_app_passwords, session_digest(new_id));
    return live &&
           start_renewed_session(sessions, user, new_id, {hash, totp}, live->signed_in_at, address);
  });
  authenticator_.second_factor_passed(decision);
  if (renewed) changed.session_id = std::move(new_id);
  return changed;
}

bool AccountService::start_renewed_session(db::SessionStore& sessions, const db::SessionUser& user,
                                           const std::string& new_id, const db::SignInProof& proof,
                                           db::Timestamp signed_in_at,
                                           const std::string& address) const {
  try {
    return sessions.create(session_digest(new_id), user.user_id, address, proof, signed_in_at);
  } catch (const std::exception&) {
    return false;  // signed out; the answer (recovery codes) must still reach the caller
  }
}

}  // namespace latchkey::web

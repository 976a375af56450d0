#include "auth/authenticator.hpp"

#include "auth/app_password.hpp"
#include "auth/password_hash.hpp"
#include "auth/token.hpp"

namespace latchkey::auth {
namespace {

char fold_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Usernames are unique regardless of ASCII case (users_username_key on lower(username)).
bool same_username(std::string_view typed, std::string_view stored) {
  if (typed.size() != stored.size()) return false;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    if (fold_ascii(typed[i]) != fold_ascii(stored[i])) return false;
  }
  return true;
}

Identity identity_of(const UserRecord& user, CredentialType credential) {
  Identity identity;
  identity.user_id = user.id;
  identity.username = user.username;
  identity.email = user.email;
  identity.credential = credential;
  identity.totp_enabled = user.totp_enabled;
  return identity;
}

Decision deny(DenyReason reason) {
  return Decision{reason, std::nullopt, std::nullopt, std::nullopt};
}

Decision allow(Identity identity) {
  return Decision{DenyReason::none, std::move(identity), std::nullopt, std::nullopt};
}

// The store sets locked_until only while locked by its clock; this clock must agree too,
// so a replica whose clock runs ahead ends a lock early rather than never.
bool is_locked(const UserRecord& user) {
  return user.locked_until && *user.locked_until > std::chrono::system_clock::now();
}

Decision deny_locked(const UserRecord& user) {
  return Decision{DenyReason::account_locked, std::nullopt, user.locked_until, std::nullopt};
}

// A right credential ends a run of failures; most accounts have none, and then no write.
void clear_failures(CredentialStore& store, const UserRecord& user) {
  if (user.failed_logins > 0 || user.lock_count > 0) store.record_successful_login(user.id);
}

}  // namespace

std::string_view to_string(DenyReason r) {
  switch (r) {
    case DenyReason::none:
      return "none";
    case DenyReason::missing_credentials:
      return "missing_credentials";
    case DenyReason::malformed_credentials:
      return "malformed_credentials";
    case DenyReason::unsupported_scheme:
      return "unsupported_scheme";
    case DenyReason::unknown_user:
      return "unknown_user";
    case DenyReason::bad_password:
      return "bad_password";
    case DenyReason::app_password_wrong_user:
      return "app_password_wrong_user";
    case DenyReason::not_an_app_password:
      return "not_an_app_password";
    case DenyReason::account_password_denied:
      return "account_password_denied";
    case DenyReason::totp_requires_app_password:
      return "totp_requires_app_password";
    case DenyReason::account_disabled:
      return "account_disabled";
    case DenyReason::account_locked:
      return "account_locked";
    case DenyReason::store_unavailable:
      return "store_unavailable";
    case DenyReason::bad_token:
      return "bad_token";
    case DenyReason::not_a_token:
      return "not_a_token";
    case DenyReason::token_wrong_user:
      return "token_wrong_user";
    case DenyReason::insufficient_scope:
      return "insufficient_scope";
  }
  return "unknown";
}

Authenticator::Authenticator(CredentialStore& store, const KeyedHasher& hasher,
                             LockPolicy lock_policy, FailureRecording failure_recording)
    : store_(store),
      hasher_(hasher),
      lock_policy_(lock_policy),
      failure_recording_(failure_recording) {}

void Authenticator::record_failure(std::int64_t user_id) const noexcept {
  try {
    store_.record_failed_login(user_id, lock_policy_);
  } catch (...) {
    // Best effort after the answer: a lost count only delays a lock; the budgets still hold.
  }
}

void Authenticator::second_factor_passed(const Decision& first_factor) const noexcept {
  if (!first_factor.failures_pending || !first_factor.identity) return;
  try {
    store_.record_successful_login(first_factor.identity->user_id);
  } catch (...) {
    // A count left standing only brings the next lock nearer; nothing is let in by it.
  }
}

Decision Authenticator::verify(const BasicCredentials& credentials, const Policy& policy) const {
  const bool account_allowed = policy.account_password != AccountPasswordPolicy::deny;
  // A token-shaped secret is never an application password; as an account password it is
  // tried only where the route allows those.
  if (policy.accept_token && looks_like_token(credentials.password) &&
      (parse_token(credentials.password) || !account_allowed)) {
    return verify_token(credentials.password, credentials.username);
  }
  if (!policy.accept_app_password && !account_allowed) {
    // A route that admits tokens only: anything else cannot be one.
    if (policy.accept_token) return deny(DenyReason::not_a_token);
    return deny(DenyReason::account_password_denied);  // a route that admits nothing
  }
  try {
    if (policy.accept_app_password) {
      // The check symbol rejects typos and account passwords without touching the store.
      const std::optional<std::string> canonical = normalize_app_password(credentials.password);
      if (canonical) {
        const Digest digest = hasher_.digest(kAppPasswordDigestLabel, *canonical);
        if (std::optional<AppPasswordMatch> match = store_.find_app_password(digest)) {
          // A leaked app password must not let its holder act as another user.
          if (!same_username(credentials.username, match->user.username)) {
            return deny(DenyReason::app_password_wrong_user);
          }
          if (match->user.disabled) return deny(DenyReason::account_disabled);
          // §5.5: the lock holds against the right credential too, or guessing would go on.
          if (is_locked(match->user)) return deny_locked(match->user);
          // No clear_failures here: app-password logins must not reset a run of account
          // password guesses, or an account with a busy sync client would never lock.
          Identity identity = identity_of(match->user, CredentialType::app_password);
          identity.app_password_id = match->id;
          identity.app_password_name = match->name;
          identity.scopes = match->scopes;
          identity.expires_at = match->expires_at;
          return allow(std::move(identity));
        }
        // Shaped like an app password but unknown; it may still be someone's account password.
        if (!account_allowed) return deny(DenyReason::bad_password);
      } else if (!account_allowed) {
        return deny(DenyReason::not_an_app_password);
      }
    }

    std::optional<UserRecord> user = store_.find_user(credentials.username);
    // The database folds case with full Unicode rules ("nic\u212A" finds "nick"); the budgets
    // fold ASCII only. An account is only ever reached by its own name up to ASCII case, so a
    // look-alike spelling cannot draw on a fresh failure budget.
    if (user && !same_username(credentials.username, user->username)) user.reset();
    const bool has_hash = user && !user->password_hash.empty();
    // §5.4: an unknown user (or one without a password) pays the same Argon2id work, so
    // response time does not reveal which usernames exist.
    const bool password_ok = verify_password(
        has_hash ? std::string_view(user->password_hash) : std::string_view(dummy_password_hash()),
        credentials.password);
    if (!user) return deny(DenyReason::unknown_user);
    // After the same Argon2id work: the lock is no secret to whoever caused it, but timing
    // must not tell a locked account from an unlocked one. Failures during a lock do not
    // count, so an ongoing attack cannot extend it.
    if (is_locked(*user)) return deny_locked(*user);
    if (!has_hash || !password_ok) {
      // The attempt that reaches the limit still reads bad_password; the lock is audited.
      Decision decision = deny(DenyReason::bad_password);
      if (failure_recording_ == FailureRecording::deferred) {
        // The write happens after the answer: unknown users make none, so doing it here
        // would make a known user measurably slower (§5.4).
        decision.failed_user_id = user->id;
      } else {
        store_.record_failed_login(user->id, lock_policy_);
      }
      return decision;
    }
    // Past this line the password was right, so revealing account state leaks nothing new.
    if (user->disabled) return deny(DenyReason::account_disabled);
    if (user->totp_enabled) {
      // §5.1: with TOTP on, the account password alone never passes a proxied request.
      if (policy.account_password != AccountPasswordPolicy::first_factor) {
        return deny(DenyReason::totp_requires_app_password);
      }
      // Half of a sign-in: wrong codes after a right password must keep counting to the lock.
      Decision decision = allow(identity_of(*user, CredentialType::account_password));
      decision.failures_pending = user->failed_logins > 0 || user->lock_count > 0;
      decision.checked_password_hash = user->password_hash;
      return decision;
    }
    clear_failures(store_, *user);
    Decision decision = allow(identity_of(*user, CredentialType::account_password));
    decision.checked_password_hash = user->password_hash;
    return decision;
  } catch (...) {
    // Fail closed (§5.7): StoreUnavailable, a driver error, or an allocation failure.
    return deny(DenyReason::store_unavailable);
  }
}

Decision Authenticator::verify_bearer(std::string_view token, const Policy& policy) const {
  if (!policy.accept_token) return deny(DenyReason::bad_token);
  return verify_token(token, std::nullopt);
}

Decision Authenticator::verify_token(std::string_view token,
                                     std::optional<std::string_view> username) const {
  const std::optional<TokenKind> kind = parse_token(token);
  // The check suffix catches typos and truncation before any store call.
  if (!kind) return deny(DenyReason::not_a_token);
  // A refresh token is only ever exchanged at the token endpoint (RFC 6749 §1.5).
  if (*kind == TokenKind::refresh) return deny(DenyReason::bad_token);
  try {
    const Digest digest = hasher_.digest(token_digest_label(*kind), token);
    std::optional<TokenMatch> match = store_.find_token(digest);
    if (!match || match->kind != *kind) return deny(DenyReason::bad_token);
    if (username && !same_username(*username, match->user.username)) {
      return deny(DenyReason::token_wrong_user);
    }
    if (match->user.disabled) return deny(DenyReason::account_disabled);
    if (is_locked(match->user)) return deny_locked(match->user);
    Identity identity = identity_of(match->user, CredentialType::token);
    identity.token_kind = match->kind;
    identity.token_id = match->id;
    identity.token_name = match->name;
    identity.scopes = std::move(match->scopes);
    identity.expires_at = match->expires_at;
    return allow(std::move(identity));
  } catch (...) {
    return deny(DenyReason::store_unavailable);  // fail closed (§5.7)
  }
}

std::string_view to_string(CredentialType type) {
  switch (type) {
    case CredentialType::app_password:
      return "app_password";
    case CredentialType::account_password:
      return "account_password";
    case CredentialType::token:
      return "token";
  }
  return "";
}

bool scopes_admit(const Policy& policy, const Identity& identity) {
  return scopes_cover(identity.scopes, policy.required_scopes);
}

bool policy_admits(const Policy& policy, const Identity& identity) {
  switch (identity.credential) {
    case CredentialType::token:
      return policy.accept_token;
    case CredentialType::app_password:
      return policy.accept_app_password;
    case CredentialType::account_password:
      switch (policy.account_password) {
        case AccountPasswordPolicy::deny_if_totp:
        case AccountPasswordPolicy::first_factor:  // never a route's; no second factor here
          return !identity.totp_enabled;
        case AccountPasswordPolicy::deny:
          return false;
      }
  }
  return false;
}

}  // namespace latchkey::auth

#include "db/token_repository.hpp"

#include <pqxx/connection_base>
#include <pqxx/result>
#include <pqxx/transaction>

#include "auth/token.hpp"
#include "db/repository_transaction.hpp"
#include "db/row_fields.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"

namespace latchkey::db {
namespace {

// Scopes as they cross the SQL boundary: one space-joined text, NULL for every scope.
std::optional<std::string> scopes_text(const auth::Scopes& scopes) {
  if (!scopes) return std::nullopt;
  return auth::join_scopes(*scopes);
}

auth::Scopes scopes_from(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  const std::string text = field.as<std::string>();
  if (text.empty()) return std::vector<std::string>{};  // an empty list grants nothing
  return auth::parse_scope_list(text).value_or(std::vector<std::string>{});
}

struct UserRef {
  std::int64_t id = 0;
  std::string username;
};

UserRef lock_user(pqxx::work& tx, std::string_view username) {
  const pqxx::result r = tx.exec_prepared(sql::kLockUser.name, std::string(username));
  if (r.empty()) throw NotFound("no user " + quoted(username));
  return {r[0][0].as<std::int64_t>(), r[0][1].as<std::string>()};
}

struct TokenEvent {
  std::string_view event;
  std::string name;
  std::optional<std::int64_t> token_id;
  std::string_view kind;
  std::optional<std::int64_t> family_id;
  std::optional<std::string> client_id;
};

void audit(pqxx::work& tx, std::int64_t user_id, const std::string& username, const TokenEvent& e,
           const std::string& source) {
  tx.exec_prepared0(sql::kInsertTokenAuditEvent.name, user_id, username, std::string(e.event),
                    e.name, e.token_id, std::string(e.kind), e.family_id, e.client_id, source);
}

void notify(pqxx::work& tx, std::int64_t user_id) {
  tx.exec_prepared(sql::kNotifyCredentialsChanged.name, std::to_string(user_id));
}

std::optional<std::int64_t> lifetime_ms(std::optional<std::chrono::milliseconds> lifetime) {
  if (!lifetime) return std::nullopt;
  return static_cast<std::int64_t>(lifetime->count());
}

// Inserts one token of a family carrying `scopes`; returns its id.
std::int64_t insert_member(pqxx::work& tx, const auth::TokenGrant& grant, auth::TokenKind kind,
                           const auth::Scopes& scopes, const auth::Digest& digest,
                           std::chrono::milliseconds ttl, std::int64_t family,
                           std::optional<std::int64_t> parent) {
  const pqxx::row row = tx.exec_prepared1(
      sql::kInsertToken.name, grant.user_id, std::string(auth::to_string(kind)), grant.name,
      hex_encode(digest), scopes_text(scopes), static_cast<std::int64_t>(ttl.count()),
      grant.app_password_id, family, parent, grant.client_id);
  return row[0].as<std::int64_t>();
}

// RFC 6749 §6: a narrowed refresh narrows the access token only; the refresh token keeps
// the grant's scopes (`grant.scopes`), so a later refresh may ask for the rest again. The
// user's expired OAuth tokens go first: a grant's rows then never outgrow its lifetimes.
void insert_pair(pqxx::work& tx, const auth::TokenGrant& grant, const auth::Scopes& access_scopes,
                 const auth::NewPair& pair, std::int64_t family,
                 std::optional<std::int64_t> parent) {
  tx.exec_prepared0(sql::kDeleteExpiredOAuthTokens.name, grant.user_id);
  insert_member(tx, grant, auth::TokenKind::access, access_scopes, pair.access, pair.access_ttl,
                family, parent);
  insert_member(tx, grant, auth::TokenKind::refresh, grant.scopes, pair.refresh, pair.refresh_ttl,
                family, parent);
}

}  // namespace

TokenRepository::TokenRepository(pqxx::connection_base& connection, std::string source)
    : connection_(connection), source_(std::move(source)) {
  prepare_statements(connection_);
}

TokenInfo TokenRepository::create_permanent(std::string_view username, std::string_view name,
                                            const auth::Digest& digest, const auth::Scopes& scopes,
                                            std::optional<std::chrono::milliseconds> lifetime) {
  return in_transaction(connection_, "create_token", [&](pqxx::work& tx) {
    const UserRef user = lock_user(tx, username);
    // Counted under the user row's lock, so two creations at once cannot both pass.
    if (tx.exec_prepared1(sql::kCountLivePermanentTokens.name, user.id)[0].as<std::int64_t>() >=
        kMaxLivePermanentTokens) {
      throw Conflict(quoted(user.username) + " has " + std::to_string(kMaxLivePermanentTokens) +
                     " live tokens, the most an account may have; revoke unused ones first");
    }
    TokenInfo info;
    try {
      const pqxx::row row = tx.exec_prepared1(
          sql::kInsertToken.name, user.id, std::string("permanent"), std::string(name),
          hex_encode(digest), scopes_text(scopes), lifetime_ms(lifetime),
          std::optional<std::int64_t>{}, std::optional<std::int64_t>{},
          std::optional<std::int64_t>{}, std::optional<std::string>{});
      info.id = row[0].as<std::int64_t>();
      info.created_at = from_unix_micros(row[1].as<std::int64_t>());
      info.expires_at = optional_time(row[2]);
    } catch (const pqxx::unique_violation& e) {
      if (primary_message(e).find("tokens_live_name_key") != std::string::npos) {
        throw Conflict(quoted(user.username) + " already has a token named " + quoted(name) +
                       "; revoke it or choose another name");
      }
      throw Conflict("the generated token collided with an existing one; retry");
    }
    info.name = std::string(name);
    info.scopes = scopes;
    audit(tx, user.id, user.username, {"token.created", info.name, info.id, "permanent", {}, {}},
          source_);
    return info;
  });
}

std::vector<TokenInfo> TokenRepository::list_permanent(std::string_view username) {
  return in_transaction(connection_, "list_tokens", [&](pqxx::work& tx) {
    const pqxx::result u = tx.exec_prepared(sql::kFindUser.name, std::string(username));
    if (u.empty()) throw NotFound("no user " + quoted(username));
    std::vector<TokenInfo> tokens;
    for (const auto& row : tx.exec_prepared(sql::kListTokens.name, u[0][0].as<std::int64_t>())) {
      TokenInfo t;
      t.id = row[0].as<std::int64_t>();
      t.name = row[1].as<std::string>();
      t.scopes = scopes_from(row[2]);
      t.created_at = from_unix_micros(row[3].as<std::int64_t>());
      t.expires_at = optional_time(row[4]);
      t.last_used_at = optional_time(row[5]);
      t.last_used_from = optional_text(row[6]);
      t.revoked_at = optional_time(row[7]);
      t.state = credential_state(t.revoked_at.has_value(), row[8].as<bool>());
      tokens.push_back(std::move(t));
    }
    return tokens;
  });
}

void TokenRepository::revoke_permanent(std::string_view username, std::string_view name) {
  in_transaction(connection_, "revoke_token", [&](pqxx::work& tx) {
    const UserRef user = lock_user(tx, username);
    const pqxx::result r =
        tx.exec_prepared(sql::kRevokePermanentToken.name, user.id, std::string(name));
    if (r.empty()) {
      throw NotFound(quoted(user.username) + " has no active token named " + quoted(name));
    }
    audit(tx, user.id, user.username,
          {"token.revoked", std::string(name), r[0][0].as<std::int64_t>(), "permanent", {}, {}},
          source_);
    notify(tx, user.id);
  });
}

std::string TokenRepository::revoke_permanent_by_id(std::string_view username, std::int64_t id) {
  return in_transaction(connection_, "revoke_token", [&](pqxx::work& tx) {
    const UserRef user = lock_user(tx, username);
    const pqxx::result r = tx.exec_prepared(sql::kRevokePermanentTokenById.name, user.id, id);
    if (r.empty()) throw NotFound(quoted(user.username) + " has no active token with that id");
    std::string name = r[0][0].as<std::string>();
    audit(tx, user.id, user.username, {"token.revoked", name, id, "permanent", {}, {}}, source_);
    notify(tx, user.id);
    return name;
  });
}

bool TokenRepository::issue_pair(const auth::TokenGrant& grant, const auth::NewPair& pair) {
  return in_transaction(connection_, "issue_tokens", [&](pqxx::work& tx) {
    if (grant.checked_password_hash &&
        tx.exec_prepared(sql::kLockGrantedAccountPassword.name, grant.user_id,
                         *grant.checked_password_hash)
            .empty()) {
      return false;  // the password changed, or TOTP came on, since it was checked
    }
    const std::int64_t family = tx.exec_prepared1(sql::kNextTokenFamily.name)[0].as<std::int64_t>();
    insert_pair(tx, grant, grant.scopes, pair, family, std::nullopt);
    audit(tx, grant.user_id, grant.username,
          {"token.issued", grant.name, {}, "access+refresh", family, grant.client_id}, source_);
    return true;
  });
}

auth::RefreshResult TokenRepository::refresh(const auth::Digest& presented,
                                             const std::optional<std::string>& client_id,
                                             const auth::Scopes& requested,
                                             const auth::NewPair& pair) {
  return in_transaction(connection_, "refresh_token", [&](pqxx::work& tx) {
    auth::RefreshResult result;
    const pqxx::result r = tx.exec_prepared(sql::kLockRefreshToken.name, hex_encode(presented));
    if (r.empty()) {
      result.status = auth::RefreshStatus::unknown;
      return result;
    }
    const pqxx::row row = r[0];
    const std::int64_t id = row[0].as<std::int64_t>();
    const std::int64_t family = row[5].as<std::int64_t>();
    auth::TokenGrant& grant = result.grant;
    grant.user_id = row[1].as<std::int64_t>();
    grant.name = row[2].as<std::string>();
    grant.scopes = scopes_from(row[3]);
    grant.app_password_id = optional_id(row[4]);
    grant.client_id = optional_text(row[6]);
    const bool spent = row[7].as<bool>();
    const bool usable = row[8].as<bool>();
    grant.username = row[10].as<std::string>();
    const bool totp_enabled = row[13].as<bool>();
    const bool disabled = row[14].as<bool>();
    const std::optional<Timestamp> locked_until = optional_time(row[15]);

    if (spent) {
      // RFC 6749 §10.4 / OAuth 2.0 Security BCP §4.14: a spent refresh token presented again
      // means two parties hold it; end the whole grant, whoever the thief is.
      const pqxx::result revoked = tx.exec_prepared0(sql::kRevokeTokenFamily.name, family);
      audit(tx, grant.user_id, grant.username,
            {"token.refresh_reused", grant.name, id, "refresh", family, grant.client_id}, source_);
      if (revoked.affected_rows() > 0) notify(tx, grant.user_id);
      result.status = auth::RefreshStatus::reused;
      return result;
    }
    // §5.1: a grant of the account password ends when TOTP comes on, even had its revocation
    // been missed; the client is told what a revoked token gets.
    if (!usable || (!grant.app_password_id && totp_enabled)) {
      result.status = auth::RefreshStatus::inactive;
      return result;
    }
    // RFC 6749 §6: the token is bound to the client it was issued to.
    if (grant.client_id != client_id) {
      result.status = auth::RefreshStatus::client_mismatch;
      return result;
    }
    if (disabled) {
      result.status = auth::RefreshStatus::account_refused;
      return result;
    }
    // A lock ends by itself: the token stays unspent, to be used once it has.
    if (locked_until) {
      result.status = auth::RefreshStatus::account_locked;
      result.locked_until = *locked_until;
      return result;
    }
    bool ok = true;
    auth::Scopes access_scopes = auth::narrow_scopes(grant.scopes, requested, ok);
    if (!ok) {
      result.status = auth::RefreshStatus::scope_exceeded;
      return result;
    }
    tx.exec_prepared0(sql::kMarkRefreshTokenUsed.name, id);
    insert_pair(tx, grant, access_scopes, pair, family, id);
    grant.scopes = std::move(access_scopes);  // the answer's `scope` is the access token's
    result.status = auth::RefreshStatus::rotated;
    return result;
  });
}

bool TokenRepository::revoke(const auth::Digest& digest) {
  return in_transaction(connection_, "revoke_token", [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_prepared(sql::kRevokeTokenByDigest.name, hex_encode(digest));
    if (r.empty()) return false;
    const std::int64_t id = r[0][0].as<std::int64_t>();
    const std::int64_t user_id = r[0][1].as<std::int64_t>();
    const std::string kind = r[0][2].as<std::string>();
    const std::optional<std::int64_t> family = optional_id(r[0][3]);
    // RFC 7009 §2.1: revoking a refresh token also ends the access tokens of its grant.
    if (kind == "refresh" && family) tx.exec_prepared0(sql::kRevokeTokenFamily.name, *family);
    const pqxx::result u = tx.exec_prepared(sql::kLockUserById.name, user_id);
    const std::string username = u.empty() ? std::string() : u[0][1].as<std::string>();
    audit(tx, user_id, username, {"token.revoked", r[0][4].as<std::string>(), id, kind, family, {}},
          source_);
    notify(tx, user_id);
    return true;
  });
}

}  // namespace latchkey::db

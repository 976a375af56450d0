// Every SQL statement latchkey runs, as named constants grouped by table (STYLE.md §8).
// Digests and sealed secrets travel as hex text: decode($n, 'hex') in, encode(.., 'hex') out.
// Timestamps come back as microseconds since the Unix epoch (bigint), NULL when unset.
#pragma once

#include <string_view>

namespace pqxx {
class connection_base;
}

namespace latchkey::db {

struct Statement {
  const char* name;  // prepared statement name, registered on every pooled connection
  const char* sql;
};

// NOTIFY channel whose payload is a user id whose credentials changed (revocation, password
// change, disabling, TOTP on/off): replicas drop that user's cached verifications.
inline constexpr std::string_view kCredentialsChangedChannel = "latchkey_credentials";

namespace sql {

// ---- users ----------------------------------------------------------------------------

// The end of a lock, only while it lasts by the server's clock (one clock for all replicas).
#define LATCHKEY_LOCKED_UNTIL(column) \
  "CASE WHEN " column " > now() THEN (extract(epoch FROM " column ") * 1000000)::bigint END"

// Columns of auth::UserRecord, in order, for the lookups of the authenticator.
#define LATCHKEY_AUTH_USER_COLUMNS(u)                                          \
  u "id, " u "username, " u "email, " u "password_hash, " u "totp_enabled, " u \
    "disabled, " LATCHKEY_LOCKED_UNTIL(u "locked_until") ", " u "failed_logins, " u "lock_count"

// A timestamp column as microseconds since the epoch.
#define LATCHKEY_US(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

inline constexpr Statement kFindUserForAuth{
    "lk_find_user_for_auth",
    "SELECT " LATCHKEY_AUTH_USER_COLUMNS("") " FROM users WHERE lower(username) = lower($1)"};

// Columns of db::UserInfo, in order (a macro so that the statements stay compile-time literals).
#define LATCHKEY_USER_INFO_COLUMNS                                              \
  "id, username, email, disabled, totp_enabled, "                               \
  "totp_secret_sealed IS NOT NULL AND NOT totp_enabled, password_hash <> '', "  \
  "(extract(epoch FROM created_at) * 1000000)::bigint, " LATCHKEY_LOCKED_UNTIL( \
      "locked_until") ", failed_logins"

inline constexpr Statement kInsertUser{
    "lk_insert_user",
    "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) "
    "RETURNING " LATCHKEY_USER_INFO_COLUMNS};

inline constexpr Statement kListUsers{"lk_list_users", "SELECT " LATCHKEY_USER_INFO_COLUMNS
                                                       " FROM users ORDER BY lower(username), id"};

inline constexpr Statement kFindUser{"lk_find_user",
                                     "SELECT " LATCHKEY_USER_INFO_COLUMNS
                                     " FROM users WHERE lower(username) = lower($1)"};

// TOTP state too. The FOR UPDATE variants serialise admin changes to one account.
inline constexpr Statement kFindUserTotp{"lk_find_user_totp",
                                         "SELECT " LATCHKEY_USER_INFO_COLUMNS
                                         ", encode(totp_secret_sealed, 'hex'), totp_last_step "
                                         "FROM users WHERE lower(username) = lower($1)"};
inline constexpr Statement kLockUser{"lk_lock_user",
                                     "SELECT " LATCHKEY_USER_INFO_COLUMNS
                                     ", encode(totp_secret_sealed, 'hex'), totp_last_step "
                                     "FROM users WHERE lower(username) = lower($1) FOR UPDATE"};
inline constexpr Statement kLockUserById{"lk_lock_user_by_id",
                                         "SELECT " LATCHKEY_USER_INFO_COLUMNS
                                         ", encode(totp_secret_sealed, 'hex'), totp_last_step "
                                         "FROM users WHERE id = $1 FOR UPDATE"};

#undef LATCHKEY_USER_INFO_COLUMNS

// One failed login, atomically across replicas ($1 user id, $2 lock_after, $3 lock_duration
// and $4 lock_duration_max in ms, $5 audit source). The failure that reaches lock_after
// locks for lock_duration * 2^lock_count (capped) and writes its audit row in the same
// statement. A locked account is not counted, so an ongoing attack cannot extend its lock;
// then the current state comes back instead. Returns failed_logins, locked_until (unix us,
// NULL unless locked) and whether this failure started the lock.
inline constexpr Statement kRecordFailedLogin{
    "lk_record_failed_login",
    "WITH counted AS ("
    " UPDATE users SET"
    "  failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,"
    "  lock_count = CASE WHEN failed_logins + 1 >= $2 THEN lock_count + 1 ELSE lock_count END,"
    "  locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() +"
    "   least($3::bigint << least(lock_count, 30), $4::bigint)::double precision"
    "   * interval '1 millisecond' ELSE locked_until END"
    " WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())"
    " RETURNING id, username, failed_logins, locked_until, failed_logins = 0 AS locked_now"
    "), audited AS ("
    " INSERT INTO audit_events (user_id, username, event, detail, source)"
    " SELECT id, username, 'account.locked', jsonb_build_object('until',"
    "  to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "  'failures', $2::int), $5::text FROM counted WHERE locked_now"
    ") "
    "SELECT failed_logins, CASE WHEN locked_now THEN"
    " (extract(epoch FROM locked_until) * 1000000)::bigint END, locked_now FROM counted "
    "UNION ALL "
    "SELECT failed_logins, " LATCHKEY_LOCKED_UNTIL("locked_until") ", false FROM users"
    " WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM counted)"};

// A right credential ends a run of failures and the doubling of locks. No row changes (no
// write, no dead tuple) for the usual account that has nothing to clear.
inline constexpr Statement kRecordSuccessfulLogin{
    "lk_record_successful_login",
    "UPDATE users SET failed_logins = 0, lock_count = 0 "
    "WHERE id = $1 AND (failed_logins > 0 OR lock_count > 0)"};

// `latchkey user unlock`: ends the lock and the failure count; lock_count stays, so an attack
// that resumes meets the longer lock it had reached.
inline constexpr Statement kUnlockUser{
    "lk_unlock_user", "UPDATE users SET locked_until = NULL, failed_logins = 0 WHERE id = $1"};

inline constexpr Statement kDisableUser{
    "lk_disable_user",
    "UPDATE users SET disabled = true, updated_at = now() WHERE id = $1 AND NOT disabled"};

inline constexpr Statement kSetPassword{
    "lk_set_password", "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1"};

// A new enrolment replaces a pending one, never an enabled one (that must be disabled first).
inline constexpr Statement kSetTotpPending{
    "lk_set_totp_pending",
    "UPDATE users SET totp_secret_sealed = decode($2, 'hex'), totp_enabled = false, "
    "totp_last_step = NULL, updated_at = now() WHERE id = $1 AND NOT totp_enabled"};

// Compare-and-set: the secret must be the one the code was checked against and the step
// must be newer than any accepted before, so a replayed or raced code changes nothing.
inline constexpr Statement kConfirmTotp{
    "lk_confirm_totp",
    "UPDATE users SET totp_enabled = true, totp_last_step = $3, updated_at = now() "
    "WHERE id = $1 AND totp_secret_sealed = decode($2, 'hex') AND NOT totp_enabled "
    "AND (totp_last_step IS NULL OR totp_last_step < $3)"};

inline constexpr Statement kDisableTotp{
    "lk_disable_totp",
    "UPDATE users SET totp_secret_sealed = NULL, totp_enabled = false, totp_last_step = NULL, "
    "updated_at = now() WHERE id = $1 AND totp_secret_sealed IS NOT NULL"};

// A pending enrolment only: never an enabled secret, whatever the caller saw before.
inline constexpr Statement kCancelPendingTotp{
    "lk_cancel_pending_totp",
    "UPDATE users SET totp_secret_sealed = NULL, totp_last_step = NULL, updated_at = now() "
    "WHERE id = $1 AND totp_secret_sealed IS NOT NULL AND NOT totp_enabled"};

// ---- app_passwords ---------------------------------------------------------------------

inline constexpr Statement kFindAppPassword{
    "lk_find_app_password",
    "SELECT a.id, a.name, " LATCHKEY_AUTH_USER_COLUMNS(
        "u.") ", array_to_string(a.scopes, ' '), " LATCHKEY_US("a.expires_at") " "
              "FROM app_passwords a JOIN users u ON u.id = a.user_id "
              "WHERE a.hash = decode($1, 'hex') AND a.revoked_at IS NULL "
              "AND (a.expires_at IS NULL OR a.expires_at > now())"};

// ---- tokens (db/token_repository.cpp, db/pg_credential_store.cpp) ------------------------
// Scopes cross as one space-joined text (NULL: every scope); the kind as its name.

// A live token for the authenticator and introspection: not revoked, not expired, a refresh
// token not yet exchanged, its application password (if any) live too, and not an OAuth token
// of the account password once TOTP is on (§5.1, even if a grant raced the TOTP confirm).
// Columns: id, kind, name, scopes, app_password_id, client_id, created, expires (the token's or
// its application password's, whichever is first), then the user.
inline constexpr Statement kFindToken{
    "lk_find_token",
    "SELECT t.id, t.kind, t.name, array_to_string(t.scopes, ' '), t.app_password_id, "
    "t.client_id, " LATCHKEY_US("t.created_at") ", " LATCHKEY_US("least(t.expires_at, a.expires_at)") ", "
    LATCHKEY_AUTH_USER_COLUMNS("u.") " FROM tokens t JOIN users u ON u.id = t.user_id "
    "LEFT JOIN app_passwords a ON a.id = t.app_password_id "
    "WHERE t.digest = decode($1, 'hex') AND t.revoked_at IS NULL AND t.used_at IS NULL "
    "AND (t.expires_at IS NULL OR t.expires_at > now()) "
    "AND (t.app_password_id IS NULL OR (a.revoked_at IS NULL "
    "AND (a.expires_at IS NULL OR a.expires_at > now()))) "
    "AND (t.kind = 'permanent' OR t.app_password_id IS NOT NULL OR NOT u.totp_enabled)"};

// $1 user, $2 kind, $3 name, $4 digest hex, $5 scopes (NULL: all), $6 lifetime in ms (NULL:
// none), $7 app_password_id, $8 family_id, $9 parent_id, $10 client_id.
inline constexpr Statement kInsertToken{
    "lk_insert_token",
    "INSERT INTO tokens (user_id, kind, name, digest, scopes, expires_at, app_password_id, "
    "family_id, parent_id, client_id) VALUES ($1, $2, $3, decode($4, 'hex'), "
    "string_to_array($5::text, ' '), now() + $6::bigint * interval '1 millisecond', $7, $8, "
    "$9, $10) RETURNING id, " LATCHKEY_US("created_at") ", " LATCHKEY_US("expires_at")};

// An account-password grant is stored only while its password is the account's and TOTP is
// off; FOR SHARE holds off a password change or TOTP confirm until the pair is in, so that
// change then revokes it. $1 user, $2 the PHC string the grant was checked against.
inline constexpr Statement kLockGrantedAccountPassword{
    "lk_lock_granted_account_password",
    "SELECT 1 FROM users WHERE id = $1 AND password_hash = $2 AND NOT totp_enabled FOR SHARE"};

inline constexpr Statement kNextTokenFamily{"lk_next_token_family",
                                            "SELECT nextval('token_families')"};

// `latchkey token list`: a user's permanent tokens, revoked ones too.
inline constexpr Statement kListTokens{
    "lk_list_tokens",
    "SELECT id, name, array_to_string(scopes, ' '), " LATCHKEY_US("created_at") ", "
    LATCHKEY_US("expires_at") ", " LATCHKEY_US("last_used_at") ", last_used_from, "
    LATCHKEY_US("revoked_at") ", expires_at IS NOT NULL AND expires_at <= now() "
    "FROM tokens WHERE user_id = $1 AND kind = 'permanent' ORDER BY created_at, id"};

inline constexpr Statement kRevokePermanentToken{
    "lk_revoke_permanent_token",
    "UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND name = $2 "
    "AND kind = 'permanent' AND revoked_at IS NULL RETURNING id"};

// A refresh token being exchanged, locked so that two exchanges of one token serialise:
// id, user_id, name, scopes, app_password_id, family_id, client_id, spent (exchanged before),
// usable (not revoked or expired, password live), then the user.
inline constexpr Statement kLockRefreshToken{
    "lk_lock_refresh_token",
    "SELECT t.id, t.user_id, t.name, array_to_string(t.scopes, ' '), t.app_password_id, "
    "t.family_id, t.client_id, t.used_at IS NOT NULL, t.revoked_at IS NULL "
    "AND (t.expires_at IS NULL OR t.expires_at > now()) AND (t.app_password_id IS NULL OR "
    "(a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > now()))), "
    LATCHKEY_AUTH_USER_COLUMNS("u.") " FROM tokens t JOIN users u ON u.id = t.user_id "
    "LEFT JOIN app_passwords a ON a.id = t.app_password_id "
    "WHERE t.digest = decode($1, 'hex') AND t.kind = 'refresh' FOR UPDATE OF t"};

// Retention: a user's OAuth tokens once expired, each grant or rotation (every access token and
// every spent refresh token would stay for good otherwise). A spent refresh token is kept until
// then, so its replay still ends the grant (theft detection) for as long as it was valid.
inline constexpr Statement kDeleteExpiredOAuthTokens{
    "lk_delete_expired_oauth_tokens",
    "DELETE FROM tokens WHERE user_id = $1 AND kind IN ('access', 'refresh') "
    "AND expires_at <= now()"};

inline constexpr Statement kMarkRefreshTokenUsed{
    "lk_mark_refresh_token_used", "UPDATE tokens SET used_at = now() WHERE id = $1"};

// Theft detection and RFC 7009 revocation of a refresh token: every token of the grant.
inline constexpr Statement kRevokeTokenFamily{
    "lk_revoke_token_family",
    "UPDATE tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL"};

// RFC 7009: the token itself; returns its id, user, kind, family and name.
inline constexpr Statement kRevokeTokenByDigest{
    "lk_revoke_token_by_digest",
    "UPDATE tokens SET revoked_at = now() WHERE digest = decode($1, 'hex') "
    "AND revoked_at IS NULL RETURNING id, user_id, kind, family_id, name"};

// The self-service page revokes by id: the one live permanent token of the user; its name.
inline constexpr Statement kRevokePermanentTokenById{
    "lk_revoke_permanent_token_by_id",
    "UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND id = $2 "
    "AND kind = 'permanent' AND revoked_at IS NULL RETURNING name"};

// A password change with "also revoke": every live permanent token of the user.
inline constexpr Statement kRevokeAllPermanentTokens{
    "lk_revoke_all_permanent_tokens",
    "UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND kind = 'permanent' "
    "AND revoked_at IS NULL RETURNING id, name"};

// §5.1: TOTP turned on or the password changed ends the OAuth grants that the account password
// obtained; application-password grants stay. One token.revoked row per grant ended, in the
// same statement ($1 user, $2 username, $3 reason: the event that caused it, $4 source).
inline constexpr Statement kRevokeAccountPasswordTokens{
    "lk_revoke_account_password_tokens",
    "WITH revoked AS ("
    " UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND kind IN ('access', 'refresh')"
    " AND app_password_id IS NULL AND revoked_at IS NULL AND used_at IS NULL"
    " AND (expires_at IS NULL OR expires_at > now())"
    " RETURNING family_id, name, client_id) "
    "INSERT INTO audit_events (user_id, username, event, detail, source) "
    "SELECT $1::bigint, $2::text, 'token.revoked', jsonb_strip_nulls(jsonb_build_object("
    "'name', min(name), 'kind', 'access+refresh', 'family_id', family_id, "
    "'client_id', min(client_id), 'reason', $3::text)), $4::text "
    "FROM revoked GROUP BY family_id ORDER BY family_id RETURNING id"};

// Token events: detail {name, token_id, kind, family_id, client_id}.
inline constexpr Statement kInsertTokenAuditEvent{
    "lk_insert_token_audit_event",
    "INSERT INTO audit_events (user_id, username, event, detail, source) VALUES ($1, $2, $3, "
    "jsonb_strip_nulls(jsonb_build_object('name', $4::text, 'token_id', $5::bigint, 'kind', "
    "$6::text, 'family_id', $7::bigint, 'client_id', $8::text)), $9)"};

inline constexpr Statement kSetAppPasswordScopes{
    "lk_set_app_password_scopes",
    "UPDATE app_passwords SET scopes = string_to_array($2::text, ' ') WHERE id = $1"};

#undef LATCHKEY_US

#undef LATCHKEY_AUTH_USER_COLUMNS
#undef LATCHKEY_LOCKED_UNTIL

// Live credentials of user $1: bounded per account (AdminRepository, TokenRepository).
inline constexpr Statement kCountLiveAppPasswords{
    "lk_count_live_app_passwords",
    "SELECT count(*) FROM app_passwords WHERE user_id = $1 AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > now())"};
inline constexpr Statement kCountLivePermanentTokens{
    "lk_count_live_permanent_tokens",
    "SELECT count(*) FROM tokens WHERE user_id = $1 AND kind = 'permanent' "
    "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"};

inline constexpr Statement kInsertAppPassword{
    "lk_insert_app_password",
    "INSERT INTO app_passwords (user_id, name, hash) VALUES ($1, $2, decode($3, 'hex')) "
    "RETURNING id, (extract(epoch FROM created_at) * 1000000)::bigint"};

inline constexpr Statement kListAppPasswords{
    "lk_list_app_passwords",
    "SELECT id, name, (extract(epoch FROM created_at) * 1000000)::bigint, "
    "(extract(epoch FROM expires_at) * 1000000)::bigint, "
    "(extract(epoch FROM last_used_at) * 1000000)::bigint, last_used_from, last_used_agent, "
    "(extract(epoch FROM revoked_at) * 1000000)::bigint, "
    "expires_at IS NOT NULL AND expires_at <= now() "
    "FROM app_passwords WHERE user_id = $1 ORDER BY created_at, id"};

inline constexpr Statement kRevokeAppPassword{
    "lk_revoke_app_password",
    "UPDATE app_passwords SET revoked_at = now() "
    "WHERE user_id = $1 AND name = $2 AND revoked_at IS NULL RETURNING id"};

// Every live application password of a user at once (self-service "Revoke all", password
// change).
inline constexpr Statement kRevokeAllAppPasswords{
    "lk_revoke_all_app_passwords",
    "UPDATE app_passwords SET revoked_at = now() "
    "WHERE user_id = $1 AND revoked_at IS NULL RETURNING id, name"};

inline constexpr Statement kRevokeAppPasswordById{
    "lk_revoke_app_password_by_id",
    "UPDATE app_passwords SET revoked_at = now() "
    "WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id, name"};

// ---- self-service: TOTP at sign-in, recovery codes, sessions ---------------------------

// A TOTP code at sign-in: compare-and-set like kConfirmTotp, so each step works once even
// when two replicas check the same code at the same moment.
inline constexpr Statement kAcceptTotpStep{
    "lk_accept_totp_step",
    "UPDATE users SET totp_last_step = $3 WHERE id = $1 AND totp_enabled "
    "AND totp_secret_sealed = decode($2, 'hex') "
    "AND (totp_last_step IS NULL OR totp_last_step < $3)"};

inline constexpr Statement kDeleteRecoveryCodes{"lk_delete_recovery_codes",
                                                "DELETE FROM recovery_codes WHERE user_id = $1"};
inline constexpr Statement kInsertRecoveryCode{
    "lk_insert_recovery_code",
    "INSERT INTO recovery_codes (user_id, hash) VALUES ($1, decode($2, 'hex'))"};
inline constexpr Statement kUseRecoveryCode{
    "lk_use_recovery_code",
    "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND hash = decode($2, 'hex') "
    "AND used_at IS NULL RETURNING id"};
inline constexpr Statement kCountRecoveryCodes{
    "lk_count_recovery_codes",
    "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"};

// Sessions: $2 idle and $3 absolute lifetime in ms; the server's clock decides for every
// replica. A session of a disabled account, or one past either limit, is not found.
// A sign-in's account as it was checked: same password hash, not disabled, and TOTP off unless
// a second factor was passed ($3).
inline constexpr Statement kLockSignedInAccount{
    "lk_lock_signed_in_account",
    "SELECT 1 FROM users WHERE id = $1 AND password_hash = $2 AND NOT disabled "
    "AND (NOT totp_enabled OR $3::boolean) FOR SHARE"};
// $4: a renewed session's first sign-in (us since the epoch), so session_max still counts from
// it; NULL: now. LEAST skips the NULL and never dates a session into the future.
inline constexpr Statement kInsertSession{
    "lk_insert_session",
    "INSERT INTO self_service_sessions (id_hash, user_id, client_address, created_at) "
    "VALUES (decode($1, 'hex'), $2, $3, "
    "LEAST(to_timestamp(0) + $4::bigint * interval '1 microsecond', now()))"};
inline constexpr Statement kTouchSession{
    "lk_touch_session",
    "UPDATE self_service_sessions s SET last_seen_at = now() FROM users u "
    "WHERE s.id_hash = decode($1, 'hex') AND u.id = s.user_id AND NOT u.disabled "
    "AND s.last_seen_at > now() - $2::bigint * interval '1 millisecond' "
    "AND s.created_at > now() - $3::bigint * interval '1 millisecond' "
    "RETURNING u.id, u.username, u.totp_enabled, "
    "u.totp_secret_sealed IS NOT NULL AND NOT u.totp_enabled, "
    "(extract(epoch FROM s.created_at) * 1000000)::bigint"};
inline constexpr Statement kDeleteSession{
    "lk_delete_session", "DELETE FROM self_service_sessions WHERE id_hash = decode($1, 'hex')"};
inline constexpr Statement kDeleteExpiredSessions{
    "lk_delete_expired_sessions",
    "DELETE FROM self_service_sessions "
    "WHERE last_seen_at <= now() - $1::bigint * interval '1 millisecond' "
    "OR created_at <= now() - $2::bigint * interval '1 millisecond'"};
// A password change or TOTP turned on signs out every browser of the account but the caller's
// ($2 its digest hex; NULL: none kept), with one sessions.ended row when any ended ($3
// username, $4 reason: the event that caused it, $5 source).
inline constexpr Statement kEndSessions{
    "lk_end_sessions",
    "WITH ended AS ("
    " DELETE FROM self_service_sessions WHERE user_id = $1"
    " AND ($2::text IS NULL OR id_hash <> decode($2, 'hex')) RETURNING 1) "
    "INSERT INTO audit_events (user_id, username, event, detail, source) "
    "SELECT $1::bigint, $3::text, 'sessions.ended', "
    "jsonb_build_object('count', count(*), 'reason', $4::text), $5::text "
    "FROM ended HAVING count(*) > 0"};

// ---- audit_events ----------------------------------------------------------------------

inline constexpr Statement kInsertAuditEvent{
    "lk_insert_audit_event",
    "INSERT INTO audit_events (user_id, username, event, detail, source) VALUES ($1, $2, $3, "
    "jsonb_strip_nulls(jsonb_build_object('name', $4::text, 'app_password_id', $5::bigint)), "
    "$6)"};

// Lock and unlock events: detail {until, failures}, the end of the lock as ISO 8601 UTC.
inline constexpr Statement kInsertLockAuditEvent{
    "lk_insert_lock_audit_event",
    "INSERT INTO audit_events (user_id, username, event, detail, source) VALUES ($1, $2, $3, "
    "jsonb_strip_nulls(jsonb_build_object('until', $4::text, 'failures', $5::int)), $6)"};

// Delivered at commit, and only if the transaction commits.
inline constexpr Statement kNotifyCredentialsChanged{
    "lk_notify_credentials_changed", "SELECT pg_notify('latchkey_credentials', $1::text)"};

// ---- write-behind of last use and refused logins; `latchkey audit` ----------------------
// (db/usage_recorder.cpp, db/audit_log.cpp; kept as one block)

// Last use of a batch of application passwords, built by UsageRecorder as
// kRecordUsagePrefix + "($1::bigint, $2::bigint, $3::bigint, $4::text, $5::text), ..." +
// kRecordUsageSuffix with rows (id, first_us, last_us, from_address, agent): one row per
// distinct address a password was used from since the last flush. The latest row of each
// password updates it (an older use, from another replica or a late batch, never overwrites
// a newer one), and every address that differs from the one stored before (NULL: never
// used) becomes an app_password.new_address event, in the same statement. Rows are locked
// in id order so that two replicas flushing together cannot deadlock.
inline constexpr std::string_view kRecordUsagePrefix =
    "WITH v (id, first_us, last_us, from_address, agent) AS (VALUES ";
inline constexpr std::string_view kRecordUsageSuffix =
    "), previous AS ("
    "SELECT a.id, a.user_id, a.name, a.last_used_from FROM app_passwords a "
    "WHERE a.id IN (SELECT id FROM v) ORDER BY a.id FOR UPDATE), "
    "latest AS ("
    "SELECT DISTINCT ON (id) id, last_us, from_address, agent FROM v ORDER BY id, last_us DESC), "
    "updated AS ("
    "UPDATE app_passwords AS a SET last_used_at = to_timestamp(l.last_us / 1000000.0), "
    "last_used_from = l.from_address, last_used_agent = l.agent "
    "FROM latest l JOIN previous p ON p.id = l.id WHERE a.id = l.id "
    "AND (a.last_used_at IS NULL OR a.last_used_at < to_timestamp(l.last_us / 1000000.0)) "
    "RETURNING a.id) "
    "INSERT INTO audit_events (at, user_id, username, event, detail, source) "
    "SELECT to_timestamp(v.first_us / 1000000.0), p.user_id, u.username, "
    "'app_password.new_address', "
    "jsonb_build_object('name', p.name, 'app_password_id', p.id, 'address', v.from_address) || "
    "CASE WHEN v.agent = '' THEN '{}'::jsonb ELSE jsonb_build_object('user_agent', v.agent) END, "
    "v.from_address "
    "FROM v JOIN updated d ON d.id = v.id JOIN previous p ON p.id = v.id "
    "JOIN users u ON u.id = p.user_id "
    "WHERE v.from_address IS DISTINCT FROM p.last_used_from ORDER BY v.first_us, v.id";

// Last use of tokens, every token of a flush in one statement: $1 ids (bigint[]), $2 times in
// microseconds since the epoch (bigint[]), $3 addresses (text[]). Rows are locked in id order
// (replicas flushing the same tokens cannot deadlock); an older use never overwrites a newer.
inline constexpr const char* kRecordTokenUse =
    "WITH v (id, last_us, from_address) AS ("
    "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])), "
    "locked AS ("
    "SELECT t.id FROM tokens t WHERE t.id IN (SELECT id FROM v) ORDER BY t.id FOR UPDATE) "
    "UPDATE tokens AS t SET last_used_at = to_timestamp(v.last_us / 1000000.0), "
    "last_used_from = v.from_address "
    "FROM v JOIN locked l ON l.id = v.id WHERE t.id = v.id "
    "AND (t.last_used_at IS NULL OR t.last_used_at < to_timestamp(v.last_us / 1000000.0))";

// Refused logins, aggregated by AuditLog: kInsertRefusedLoginsPrefix + one row
// "($1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::boolean, $7::text)" per tuple
// (username, address, reason, count, at_us, altered, fingerprint) +
// kInsertRefusedLoginsSuffix. The username is attacker input: only ever a bound parameter,
// matched like a login is, only when cleaning left it as typed, and stored only when it names
// an account; otherwise its fingerprint is.
inline constexpr std::string_view kInsertRefusedLoginsPrefix =
    "INSERT INTO audit_events (at, user_id, username, event, detail, source) "
    "SELECT to_timestamp(v.at_us / 1000000.0), u.id, coalesce(u.username, ''), 'login.refused', "
    "jsonb_build_object('reason', v.reason, 'count', v.count) || "
    "CASE WHEN u.id IS NULL THEN jsonb_build_object('username_fingerprint', v.fingerprint) "
    "ELSE jsonb_build_object('username', v.username) END || "
    "CASE WHEN v.altered THEN '{\"username_altered\": true}'::jsonb ELSE '{}'::jsonb END, "
    "v.address FROM (VALUES ";
inline constexpr std::string_view kInsertRefusedLoginsSuffix =
    ") AS v (username, address, reason, count, at_us, altered, fingerprint) "
    "LEFT JOIN users u ON NOT v.altered AND lower(u.username) = lower(v.username) "
    "ORDER BY v.at_us";

// Refusals beyond AuditLog::kMaxDistinct tuples in one interval: counted, not itemised.
inline constexpr Statement kInsertAuditDropped{
    "lk_insert_audit_dropped",
    "INSERT INTO audit_events (at, event, detail) VALUES (to_timestamp($1::bigint / 1000000.0), "
    "'audit.dropped', jsonb_build_object('event', 'login.refused', 'count', $2::bigint))"};

// `latchkey audit`: the newest $3 events of user $1 (NULL: all) at or after $2 (unix us,
// NULL: any time), only refused logins typed as name $4 or with fingerprint $5 when $4 is
// given, returned oldest first.
inline constexpr Statement kListAuditEvents{
    "lk_list_audit_events",
    "SELECT id, (extract(epoch FROM at) * 1000000)::bigint, user_id, username, event, "
    "detail::text, source FROM ("
    "SELECT * FROM audit_events WHERE ($1::bigint IS NULL OR user_id = $1) "
    "AND ($2::bigint IS NULL OR at >= to_timestamp($2 / 1000000.0)) "
    "AND ($4::text IS NULL OR (event = 'login.refused' AND ("
    "lower(detail->>'username') = lower($4) OR detail->>'username_fingerprint' = $5::text))) "
    "ORDER BY at DESC, id DESC LIMIT $3) AS newest ORDER BY at, id"};

// Retention: at most $2 of the oldest events older than $1 ms by the server's clock, found
// in the order of the audit_events_at index and deleted by primary key (an array, so the
// planner never joins against the whole table). SKIP LOCKED: replicas pruning at once share
// the work instead of waiting on each other's rows. Returns how many went.
inline constexpr Statement kDeleteOldAuditEvents{
    "lk_delete_old_audit_events",
    "WITH deleted AS (DELETE FROM audit_events WHERE id = ANY (ARRAY("
    "SELECT id FROM audit_events WHERE at < now() - $1::bigint * interval '1 millisecond' "
    "ORDER BY at, id LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING 1) "
    "SELECT count(*) FROM deleted"};

// ---- schema_migrations (run with exec_params: any connection, no preparation) ----------

inline constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())";
// Any constant shared by every latchkey process; "latchkey" in ASCII.
inline constexpr const char* kLockMigrations = "SELECT pg_advisory_xact_lock(7809651199139603833)";
inline constexpr const char* kMigrationsTableExists =
    "SELECT to_regclass('schema_migrations') IS NOT NULL";
inline constexpr const char* kAppliedMigrations = "SELECT name FROM schema_migrations";
inline constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (name) VALUES ($1)";

}  // namespace sql

// Registers every Statement above on the connection (libpqxx sends each to the server on
// first use). Safe to call again on the same connection.
void prepare_statements(pqxx::connection_base& connection);

}  // namespace latchkey::db

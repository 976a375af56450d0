#include "db/statements.hpp"

#include <pqxx/connection_base>

namespace latchkey::db {

void prepare_statements(pqxx::connection_base& connection) {
  static constexpr Statement kAll[] = {
      sql::kFindUserForAuth,   sql::kInsertUser,        sql::kListUsers,
      sql::kFindUser,          sql::kFindUserTotp,      sql::kLockUser,
      sql::kLockUserById,      sql::kDisableUser,       sql::kSetPassword,
      sql::kSetTotpPending,    sql::kConfirmTotp,       sql::kDisableTotp,
      sql::kFindAppPassword,   sql::kInsertAppPassword, sql::kListAppPasswords,
      sql::kRevokeAppPassword, sql::kInsertAuditEvent,  sql::kNotifyCredentialsChanged,
      sql::kCountLiveAppPasswords, sql::kCountLivePermanentTokens,
  };
  for (const Statement& statement : kAll) connection.prepare(statement.name, statement.sql);
  // The account lock (DESIGN.md §5.5).
  static constexpr Statement kAccountLock[] = {
      sql::kRecordFailedLogin,
      sql::kRecordSuccessfulLogin,
      sql::kUnlockUser,
      sql::kInsertLockAuditEvent,
  };
  for (const Statement& statement : kAccountLock) {
    connection.prepare(statement.name, statement.sql);
  }
  // Tokens (db/token_repository.cpp).
  static constexpr Statement kTokens[] = {
      sql::kFindToken,         sql::kInsertToken,        sql::kNextTokenFamily,
      sql::kListTokens,        sql::kRevokePermanentToken, sql::kLockRefreshToken,
      sql::kMarkRefreshTokenUsed, sql::kDeleteExpiredOAuthTokens, sql::kRevokeTokenFamily,
      sql::kRevokeTokenByDigest,
      sql::kInsertTokenAuditEvent, sql::kSetAppPasswordScopes,
      sql::kRevokeAllPermanentTokens, sql::kRevokePermanentTokenById,
      sql::kLockGrantedAccountPassword,
  };
  for (const Statement& statement : kTokens) connection.prepare(statement.name, statement.sql);
  // What the account password obtained, ended by a new password or TOTP (DESIGN.md §5.1).
  static constexpr Statement kAccountPasswordEndings[] = {sql::kRevokeAccountPasswordTokens,
                                                          sql::kEndSessions};
  for (const Statement& statement : kAccountPasswordEndings) {
    connection.prepare(statement.name, statement.sql);
  }
  // The self-service page (web/).
  static constexpr Statement kSelfService[] = {
      sql::kRevokeAllAppPasswords, sql::kRevokeAppPasswordById, sql::kAcceptTotpStep,
      sql::kDeleteRecoveryCodes,   sql::kInsertRecoveryCode,    sql::kUseRecoveryCode,
      sql::kCountRecoveryCodes,    sql::kLockSignedInAccount,   sql::kInsertSession,
      sql::kTouchSession,
      sql::kDeleteSession,         sql::kDeleteExpiredSessions,
  };
  for (const Statement& statement : kSelfService) connection.prepare(statement.name, statement.sql);
  // The page turns off a pending TOTP enrolment without a code: pending only, re-checked.
  connection.prepare(sql::kCancelPendingTotp.name, sql::kCancelPendingTotp.sql);
  // Write-behind and `latchkey audit` (db/audit_log.cpp), kept apart from the list above.
  static constexpr Statement kAudit[] = {sql::kInsertAuditDropped, sql::kListAuditEvents,
                                         sql::kDeleteOldAuditEvents};
  for (const Statement& statement : kAudit) connection.prepare(statement.name, statement.sql);
}

}  // namespace latchkey::db

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
  };
  for (const Statement& statement : kAll) connection.prepare(statement.name, statement.sql);
}

}  // namespace latchkey::db

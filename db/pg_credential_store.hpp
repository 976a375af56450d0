// The CredentialStore of the authenticator, over PostgreSQL. Blocking: worker threads only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "auth/credential_store.hpp"
#include "db/connection_pool.hpp"

namespace latchkey::db {

class PgCredentialStore : public auth::CredentialStore {
 public:
  // `acquire_wait`: how long a lookup may wait for a pooled connection before failing closed.
  explicit PgCredentialStore(ConnectionPool& pool,
                             std::chrono::milliseconds acquire_wait = std::chrono::seconds(2));

  // All throw auth::StoreUnavailable for any database failure, never another pqxx error.
  std::optional<auth::UserRecord> find_user(std::string_view username) override;
  std::optional<auth::AppPasswordMatch> find_app_password(const auth::Digest& hash) override;
  std::optional<auth::TokenMatch> find_token(const auth::Digest& digest) override;
  // One statement: the count, the lock and its `account.locked` audit row (source "proxy").
  auth::LockState record_failed_login(std::int64_t user_id,
                                      const auth::LockPolicy& policy) override;
  void record_successful_login(std::int64_t user_id) override;

 private:
  ConnectionPool& pool_;
  std::chrono::milliseconds acquire_wait_;
};

}  // namespace latchkey::db

// The CredentialStore of the authenticator, over PostgreSQL. Blocking: worker threads only.
#pragma once

#include <chrono>
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

  // Both throw auth::StoreUnavailable for any database failure, never another pqxx error.
  std::optional<auth::UserRecord> find_user(std::string_view username) override;
  std::optional<auth::AppPasswordMatch> find_app_password(const auth::Digest& hash) override;

 private:
  ConnectionPool& pool_;
  std::chrono::milliseconds acquire_wait_;
};

}  // namespace latchkey::db

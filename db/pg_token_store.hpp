// auth::TokenStore over the connection pool: each call is one TokenRepository transaction on
// a pooled connection. Blocking: worker threads only.
#pragma once

#include <chrono>

#include "auth/token_store.hpp"
#include "db/connection_pool.hpp"

namespace latchkey::db {

class PgTokenStore : public auth::TokenStore {
 public:
  explicit PgTokenStore(ConnectionPool& pool,
                        std::chrono::milliseconds acquire_wait = std::chrono::seconds(2));

  // All throw auth::StoreUnavailable for any database failure.
  bool issue_pair(const auth::TokenGrant& grant, const auth::NewPair& pair,
                  std::string_view audit_source) override;
  auth::RefreshResult refresh(const auth::Digest& presented,
                              const std::optional<std::string>& client_id,
                              const auth::Scopes& requested, const auth::NewPair& pair,
                              std::string_view audit_source) override;
  bool revoke(const auth::Digest& digest, std::string_view audit_source) override;

 private:
  template <typename Work>
  auto with_repository(const char* what, std::string_view source, Work&& work);

  ConnectionPool& pool_;
  std::chrono::milliseconds acquire_wait_;
};

}  // namespace latchkey::db

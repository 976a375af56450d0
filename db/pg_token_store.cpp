#include "db/pg_token_store.hpp"

#include <string>

#include "db/token_repository.hpp"

namespace latchkey::db {

PgTokenStore::PgTokenStore(ConnectionPool& pool, std::chrono::milliseconds acquire_wait)
    : pool_(pool), acquire_wait_(acquire_wait) {}

template <typename Work>
auto PgTokenStore::with_repository(const char* what, std::string_view source, Work&& work) {
  try {
    return pool_.run(acquire_wait_, [&](pqxx::connection& connection) {
      TokenRepository repository(connection, std::string(source));
      return work(repository);
    });
  } catch (const auth::StoreUnavailable&) {
    throw;
  } catch (const std::exception& e) {
    // Fail closed (§5.7); the repository's messages name no secret.
    throw auth::StoreUnavailable(std::string(what) + " failed: " + e.what());
  }
}

bool PgTokenStore::issue_pair(const auth::TokenGrant& grant, const auth::NewPair& pair,
                              std::string_view audit_source) {
  return with_repository("issue_tokens", audit_source, [&](TokenRepository& repository) {
    return repository.issue_pair(grant, pair);
  });
}

auth::RefreshResult PgTokenStore::refresh(const auth::Digest& presented,
                                          const std::optional<std::string>& client_id,
                                          const auth::Scopes& requested, const auth::NewPair& pair,
                                          std::string_view audit_source) {
  return with_repository("refresh_token", audit_source, [&](TokenRepository& repository) {
    return repository.refresh(presented, client_id, requested, pair);
  });
}

bool PgTokenStore::revoke(const auth::Digest& digest, std::string_view audit_source) {
  return with_repository("revoke_token", audit_source,
                         [&](TokenRepository& repository) { return repository.revoke(digest); });
}

}  // namespace latchkey::db

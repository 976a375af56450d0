// Tokens in PostgreSQL: permanent tokens for the CLI (and later the self-service page), and
// the OAuth pair lifecycle for the token endpoint. Each operation is one transaction with its
// audit row; changes that end a token NOTIFY kCredentialsChangedChannel at commit, so every
// replica drops the user's cached verifications.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/keyed_hash.hpp"
#include "auth/scopes.hpp"
#include "auth/token_store.hpp"
#include "db/credential_info.hpp"
#include "db/errors.hpp"
#include "db/timestamp.hpp"

namespace pqxx {
class connection_base;
}

namespace latchkey::db {

struct TokenInfo : CredentialInfo {
  auth::Scopes scopes;
};

// Throws NotFound, Conflict, InvalidValue or auth::StoreUnavailable like AdminRepository.
class TokenRepository {
 public:
  explicit TokenRepository(pqxx::connection_base& connection, std::string source = "cli");

  // Bounds what one account (or a script with its session) can make the database hold.
  static constexpr std::int64_t kMaxLivePermanentTokens = 100;

  // `lifetime` nullopt: never expires.
  TokenInfo create_permanent(std::string_view username, std::string_view name,
                             const auth::Digest& digest, const auth::Scopes& scopes,
                             std::optional<std::chrono::milliseconds> lifetime);
  std::vector<TokenInfo> list_permanent(std::string_view username);
  void revoke_permanent(std::string_view username, std::string_view name);
  // The self-service page's revoke: by id, of `username`'s live tokens only; returns its name.
  std::string revoke_permanent_by_id(std::string_view username, std::int64_t id);

  // The TokenStore operations on this connection.
  bool issue_pair(const auth::TokenGrant& grant, const auth::NewPair& pair);
  auth::RefreshResult refresh(const auth::Digest& presented,
                              const std::optional<std::string>& client_id,
                              const auth::Scopes& requested, const auth::NewPair& pair);
  bool revoke(const auth::Digest& digest);

 private:
  pqxx::connection_base& connection_;
  std::string source_;
};

}  // namespace latchkey::db

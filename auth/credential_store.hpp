// What the authenticator needs from storage. Implemented by db::PgCredentialStore and, in
// unit tests, by an in-memory store. Calls block: run them off the IO threads.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "auth/keyed_hash.hpp"

namespace latchkey::auth {

struct UserRecord {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::string password_hash;  // Argon2id PHC string; empty when the account has none
  bool totp_enabled = false;
  bool disabled = false;
};

struct AppPasswordMatch {
  std::int64_t id = 0;
  std::string name;
  UserRecord user;
};

// Thrown when the store cannot answer (database down); the request fails closed with 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;

  // Case-insensitive username lookup.
  virtual std::optional<UserRecord> find_user(std::string_view username) = 0;

  // The live (not revoked, not expired) application password with this keyed hash.
  virtual std::optional<AppPasswordMatch> find_app_password(const Digest& hash) = 0;
};

}  // namespace latchkey::auth

// What every admin subcommand needs once its arguments are parsed: the configuration, one
// database connection with an up-to-date schema, and the keys to hash and seal secrets.
#pragma once

#include <memory>
#include <pqxx/connection>

#include "app/commands.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/secret_box.hpp"
#include "config/config.hpp"
#include "db/admin_repository.hpp"

namespace latchkey::app {

// Label of the keyed digest of application passwords; the authenticator uses the same.
inline constexpr std::string_view kAppPasswordDigestLabel = "app_password";

// One connection to the configured database, refused with a one-line message telling the
// operator to run `latchkey migrate` while a migration is pending. Reads no secrets.
std::unique_ptr<pqxx::connection> connect_migrated(const config::Config& config);

class AdminContext {
 public:
  // Loads the config, connects and checks that no migration is pending (else tells the
  // operator to run `latchkey migrate`). Throws on failure with a one-line message.
  explicit AdminContext(const Invocation& invocation);

  const config::Config& config() const { return config_; }
  db::AdminRepository& repository() { return repository_; }
  const auth::KeyedHasher& hasher() const { return hasher_; }
  const auth::SecretBox& totp_box() const { return totp_box_; }
  pqxx::connection& connection() { return *connection_; }

 private:
  config::Config config_;
  std::unique_ptr<pqxx::connection> connection_;
  db::AdminRepository repository_;
  auth::KeyedHasher hasher_;
  auth::SecretBox totp_box_;
};

// The AAD under which a user's TOTP secret is sealed: a sealed value moved to another row
// does not open.
std::string totp_seal_context(std::int64_t user_id);

// Overwrites a secret held in a string before it is freed.
void wipe(std::string& secret);

}  // namespace latchkey::app

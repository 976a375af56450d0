#include "app/admin_context.hpp"

#include <openssl/crypto.h>

#include <pqxx/except>
#include <stdexcept>

#include "auth/totp.hpp"
#include "db/connection.hpp"
#include "db/migrations.hpp"

namespace latchkey::app {

std::unique_ptr<pqxx::connection> connect_migrated(const config::Config& config) {
  auto connection = db::open_connection(config.database.url);
  std::vector<std::string> pending;
  try {
    pending = db::pending_migrations(*connection);
  } catch (const pqxx::failure& e) {
    throw std::runtime_error("cannot read the schema version: " +
                             db::scrub_message(e.what(), config.database.url));
  }
  if (!pending.empty()) {
    throw std::runtime_error("the database schema is not up to date (" + pending.front() +
                             " not applied); run `latchkey migrate` first");
  }
  return connection;
}

AdminContext::AdminContext(const Invocation& invocation)
    : config_(load_invocation_config(invocation)),
      connection_(connect_migrated(config_)),
      repository_(*connection_, "cli"),
      hasher_(config_.secrets.pepper),
      totp_box_(config_.secrets.totp_key) {}

std::string totp_seal_context(std::int64_t user_id) {
  return auth::totp_seal_context(user_id);
}

void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace latchkey::app

#include "db/session_store.hpp"

#include <pqxx/connection_base>
#include <pqxx/except>
#include <pqxx/transaction>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"

namespace latchkey::db {
namespace {

template <typename Work>
auto in_transaction(pqxx::connection_base& connection, const char* name, Work&& work) {
  try {
    pqxx::work tx(connection, name);
    auto result = work(tx);
    tx.commit();
    return result;
  } catch (const pqxx::broken_connection& e) {
    throw auth::StoreUnavailable(std::string("lost the PostgreSQL connection during ") + name +
                                 ": " + scrub_message(e.what(), ""));
  }
}

}  // namespace

SessionStore::SessionStore(pqxx::connection_base& connection, SessionLifetime lifetime)
    : connection_(connection), lifetime_(lifetime) {
  prepare_statements(connection_);
}

bool SessionStore::create(const auth::Digest& id_digest, std::int64_t user_id,
                          std::string_view address, const SignInProof& proof,
                          std::optional<Timestamp> renewing) {
  const std::optional<std::int64_t> signed_in_us =
      renewing ? std::optional(renewing->time_since_epoch().count()) : std::nullopt;
  return in_transaction(connection_, "create_session", [&](pqxx::work& tx) {
    tx.exec_prepared0(sql::kDeleteExpiredSessions.name,
                      static_cast<std::int64_t>(lifetime_.idle.count()),
                      static_cast<std::int64_t>(lifetime_.max.count()));
    // Held until commit: a password change or TOTP confirmation waits, then ends this session
    // with the others; one that committed first leaves no row here to lock.
    if (tx.exec_prepared(sql::kLockSignedInAccount.name, user_id, proof.checked_password_hash,
                         proof.second_factor_passed)
            .empty()) {
      return false;
    }
    tx.exec_prepared0(sql::kInsertSession.name, hex_encode(id_digest), user_id,
                      sanitize_text(address, 64), signed_in_us);
    return true;
  });
}

std::optional<SessionUser> SessionStore::touch(const auth::Digest& id_digest) {
  return in_transaction(connection_, "touch_session", [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_prepared(sql::kTouchSession.name, hex_encode(id_digest),
                                            static_cast<std::int64_t>(lifetime_.idle.count()),
                                            static_cast<std::int64_t>(lifetime_.max.count()));
    if (r.empty()) return std::optional<SessionUser>{};
    SessionUser user;
    user.user_id = r[0][0].as<std::int64_t>();
    user.username = r[0][1].as<std::string>();
    user.totp_enabled = r[0][2].as<bool>();
    user.totp_pending = r[0][3].as<bool>();
    user.signed_in_at = from_unix_micros(r[0][4].as<std::int64_t>());
    return std::optional<SessionUser>(std::move(user));
  });
}

void SessionStore::remove(const auth::Digest& id_digest) {
  in_transaction(connection_, "remove_session", [&](pqxx::work& tx) {
    tx.exec_prepared0(sql::kDeleteSession.name, hex_encode(id_digest));
    return 0;
  });
}

}  // namespace latchkey::db

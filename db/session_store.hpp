// Browser sessions of the self-service page, shared by every replica through PostgreSQL.
// Only the keyed digest of a session id is stored. Blocking: worker threads only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/keyed_hash.hpp"
#include "db/timestamp.hpp"

namespace pqxx {
class connection_base;
}

namespace latchkey::db {

struct SessionUser {
  std::int64_t user_id = 0;
  std::string username;
  bool totp_enabled = false;
  bool totp_pending = false;
  Timestamp signed_in_at{};  // the session's first sign-in; session_max counts from it
};

// What a sign-in checked, so that its session is stored only while that still holds.
struct SignInProof {
  std::string checked_password_hash;  // the account's hash the password was verified against
  bool second_factor_passed = false;  // a TOTP or recovery code was checked and used up
};

struct SessionLifetime {
  std::chrono::milliseconds idle;  // unused this long: gone
  std::chrono::milliseconds max;   // this long after sign-in: gone in any case
};

class SessionStore {
 public:
  // Throws auth::StoreUnavailable when the connection breaks mid-call.
  SessionStore(pqxx::connection_base& connection, SessionLifetime lifetime);

  // Stores a new session unless the account changed since the sign-in checked it (another
  // password, TOTP turned on without a second factor passed, disabled); returns whether it
  // did. Drops expired sessions of every user (they are never found again). `renewing`: the
  // sign-in time of the session this one replaces, kept so that renewing never extends
  // session_max; nullopt: a sign-in now.
  bool create(const auth::Digest& id_digest, std::int64_t user_id, std::string_view address,
              const SignInProof& proof, std::optional<Timestamp> renewing = std::nullopt);
  // The live session's user, its idle clock restarted; nullopt when unknown or expired.
  std::optional<SessionUser> touch(const auth::Digest& id_digest);
  void remove(const auth::Digest& id_digest);

 private:
  pqxx::connection_base& connection_;
  SessionLifetime lifetime_;
};

}  // namespace latchkey::db

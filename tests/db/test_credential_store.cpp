#include <boost/test/unit_test.hpp>
#include <chrono>

#include "auth/app_password.hpp"
#include "db/pg_credential_store.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

struct StoreFixture : db_test::MigratedDatabase {
  db::ConnectionPool pool{database.url(), 2};
  db::PgCredentialStore store{pool, 2s};

  // Creates an application password for `user` and returns its canonical form.
  std::string new_app_password(const std::string& user, const std::string& name) {
    const std::string canonical = auth::generate_app_password();
    repository.create_app_password(user, name, digest_of(canonical));
    return canonical;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(credential_store, StoreFixture)

BOOST_AUTO_TEST_CASE(find_user_ignores_case_and_returns_stored_fields) {
  const auto created = repository.create_user("Alice", "alice@example.com", "$argon2id$fake");
  const auto user = store.find_user("aLiCe");
  BOOST_REQUIRE(user.has_value());
  BOOST_TEST(user->id == created.id);
  BOOST_TEST(user->username == "Alice");
  BOOST_TEST(user->email == "alice@example.com");
  BOOST_TEST(user->password_hash == "$argon2id$fake");
  BOOST_TEST(!user->totp_enabled);
  BOOST_TEST(!user->disabled);
}

BOOST_AUTO_TEST_CASE(find_user_unknown_or_unstorable_is_nullopt) {
  repository.create_user("alice", "", "");
  BOOST_TEST(!store.find_user("bob").has_value());
  BOOST_TEST(!store.find_user("").has_value());
  BOOST_TEST(!store.find_user("al\xffice").has_value());  // PostgreSQL would reject the bytes
  BOOST_TEST(!store.find_user(std::string("alice\0x", 7)).has_value());
}

BOOST_AUTO_TEST_CASE(find_app_password_joins_the_user) {
  const auto alice = repository.create_user("alice", "a@example.com", "");
  const std::string canonical = new_app_password("alice", "laptop");
  const auto match = store.find_app_password(digest_of(canonical));
  BOOST_REQUIRE(match.has_value());
  BOOST_TEST(match->name == "laptop");
  BOOST_TEST(match->user.id == alice.id);
  BOOST_TEST(match->user.username == "alice");
  BOOST_TEST(match->user.email == "a@example.com");
  BOOST_TEST(!store.find_app_password(digest_of(auth::generate_app_password())).has_value());
}

BOOST_AUTO_TEST_CASE(revoked_app_password_is_not_found) {
  repository.create_user("alice", "", "");
  const std::string canonical = new_app_password("alice", "laptop");
  repository.revoke_app_password("alice", "laptop");
  BOOST_TEST(!store.find_app_password(digest_of(canonical)).has_value());
}

BOOST_AUTO_TEST_CASE(expired_app_password_is_not_found) {
  repository.create_user("alice", "", "");
  const std::string expired = new_app_password("alice", "old");
  const std::string later = new_app_password("alice", "new");
  execute("UPDATE app_passwords SET expires_at = now() - interval '1 second' WHERE name = 'old'");
  execute("UPDATE app_passwords SET expires_at = now() + interval '1 hour' WHERE name = 'new'");
  BOOST_TEST(!store.find_app_password(digest_of(expired)).has_value());
  BOOST_TEST(store.find_app_password(digest_of(later)).has_value());
}

BOOST_AUTO_TEST_CASE(disabled_and_totp_flags_surface) {
  repository.create_user("alice", "", "");
  const std::string canonical = new_app_password("alice", "laptop");
  repository.disable_user("alice");
  execute("UPDATE users SET totp_secret_sealed = '\\x00', totp_enabled = true");
  const auto user = store.find_user("alice");
  BOOST_REQUIRE(user.has_value());
  BOOST_TEST(user->disabled);
  BOOST_TEST(user->totp_enabled);
  // The authenticator decides what a disabled account may do; the store reports it.
  const auto match = store.find_app_password(digest_of(canonical));
  BOOST_REQUIRE(match.has_value());
  BOOST_TEST(match->user.disabled);
  BOOST_TEST(match->user.totp_enabled);
}

BOOST_AUTO_TEST_CASE(database_errors_become_store_unavailable) {
  repository.create_user("alice", "", "");
  execute("ALTER TABLE users RENAME TO users_gone");
  BOOST_CHECK_THROW(store.find_user("alice"), auth::StoreUnavailable);
  BOOST_CHECK_THROW(store.find_app_password(digest_of(auth::generate_app_password())),
                    auth::StoreUnavailable);
  execute("ALTER TABLE users_gone RENAME TO users");
  BOOST_TEST(store.find_user("alice").has_value());  // the pool kept working connections
}

BOOST_AUTO_TEST_SUITE_END()

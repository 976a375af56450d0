// The repository operations and the session store behind the self-service page, on a real
// PostgreSQL: single use of TOTP steps and recovery codes, revoke all, password change, and
// session expiry by the server's clock.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <future>
#include <pqxx/transaction>
#include <thread>

#include "db/errors.hpp"
#include "db/session_store.hpp"
#include "db_fixture.hpp"

using namespace latchkey;

namespace {

struct Fixture : db_test::MigratedDatabase {
  std::int64_t user_id = repository.create_user("uli", "", "$argon2id$x").id;
  // What a sign-in with uli's password proves: the hash it was checked against, no code.
  const db::SignInProof signed_in{"$argon2id$x", false};

  auth::Digest digest(const std::string& text) const { return hasher.digest("test", text); }

  // A TOTP secret that is enabled, as `latchkey totp confirm` leaves it.
  std::string enable_totp() {
    const std::string sealed = "sealed-secret-bytes";
    repository.set_totp_pending(user_id, sealed);
    repository.confirm_totp(user_id, sealed, 100, {digest("code-1"), digest("code-2")});
    return sealed;
  }

  std::string events() {
    return text("SELECT coalesce(string_agg(event, ' ' ORDER BY id), '') FROM audit_events");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(self_service_repository, Fixture)

BOOST_AUTO_TEST_CASE(each_totp_step_is_accepted_once_and_only_forward) {
  const std::string sealed = enable_totp();
  BOOST_TEST(!repository.accept_totp_step(user_id, sealed, 100));  // the confirming step
  BOOST_TEST(repository.accept_totp_step(user_id, sealed, 101));
  BOOST_TEST(!repository.accept_totp_step(user_id, sealed, 101));
  BOOST_TEST(!repository.accept_totp_step(user_id, sealed, 99));
  BOOST_TEST(!repository.accept_totp_step(user_id, "another secret", 102));
  BOOST_TEST(number("SELECT totp_last_step FROM users") == 101);
}

BOOST_AUTO_TEST_CASE(recovery_codes_work_once_and_go_with_totp) {
  enable_totp();
  BOOST_TEST(repository.recovery_codes_left(user_id) == 2);
  BOOST_TEST(repository.use_recovery_code(user_id, digest("code-1")));
  BOOST_TEST(!repository.use_recovery_code(user_id, digest("code-1")));
  BOOST_TEST(!repository.use_recovery_code(user_id, digest("code-9")));
  BOOST_TEST(repository.recovery_codes_left(user_id) == 1);
  repository.replace_recovery_codes(user_id, {digest("code-3")});
  BOOST_TEST(!repository.use_recovery_code(user_id, digest("code-2")));  // replaced
  BOOST_TEST(repository.recovery_codes_left(user_id) == 1);
  repository.disable_totp("uli");
  BOOST_TEST(number("SELECT count(*) FROM recovery_codes") == 0);
  BOOST_CHECK_THROW(repository.replace_recovery_codes(user_id, {digest("x")}), db::Conflict);
  BOOST_TEST(events().find("recovery_code.used") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(revoke_all_and_revoke_by_id) {
  const auto a = repository.create_app_password("uli", "a", digest_of("a"));
  repository.create_app_password("uli", "b", digest_of("b"));
  repository.create_app_password("uli", "c", digest_of("c"));
  BOOST_TEST(repository.revoke_app_password("uli", a.id) == "a");
  BOOST_CHECK_THROW(repository.revoke_app_password("uli", a.id), db::NotFound);
  BOOST_TEST(repository.revoke_all_app_passwords("uli") == 2);
  BOOST_TEST(repository.revoke_all_app_passwords("uli") == 0);
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE revoked_at IS NULL") == 0);
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = 'app_password.revoked'") == 3);
}

BOOST_AUTO_TEST_CASE(password_change_ends_other_sessions_and_revokes_when_asked) {
  repository.create_app_password("uli", "phone", digest_of("phone"));
  db::SessionStore sessions(*connection, {std::chrono::hours(1), std::chrono::hours(2)});
  sessions.create(digest("mine"), user_id, "127.0.0.1", signed_in);
  sessions.create(digest("other"), user_id, "127.0.0.2", signed_in);
  BOOST_TEST(repository.change_password(user_id, "$argon2id$new", false, digest("mine")) == 0);
  BOOST_TEST(sessions.touch(digest("mine")).has_value());
  BOOST_TEST(!sessions.touch(digest("other")).has_value());
  BOOST_TEST(repository.change_password(user_id, "$argon2id$newer", true, digest("mine")) == 1);
  BOOST_TEST(text("SELECT password_hash FROM users") == "$argon2id$newer");
}

BOOST_AUTO_TEST_CASE(sessions_expire_by_idle_and_absolute_limits) {
  db::SessionStore idle(*connection, {std::chrono::milliseconds(300), std::chrono::hours(1)});
  idle.create(digest("s1"), user_id, "127.0.0.1", signed_in);
  const auto found = idle.touch(digest("s1"));
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST(found->username == "uli");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  BOOST_TEST(!idle.touch(digest("s1")).has_value());

  db::SessionStore capped(*connection, {std::chrono::hours(1), std::chrono::milliseconds(300)});
  capped.create(digest("s2"), user_id, "127.0.0.1", signed_in);
  BOOST_TEST(capped.touch(digest("s2")).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  BOOST_TEST(!capped.touch(digest("s2")).has_value());

  // Disabling the account ends its sessions at once; sign-out removes the row.
  db::SessionStore store(*connection, {std::chrono::hours(1), std::chrono::hours(2)});
  store.create(digest("s3"), user_id, "127.0.0.1", signed_in);
  store.create(digest("s4"), user_id, "127.0.0.1", signed_in);
  store.remove(digest("s4"));
  BOOST_TEST(!store.touch(digest("s4")).has_value());
  repository.disable_user("uli");
  BOOST_TEST(!store.touch(digest("s3")).has_value());
  // Expired rows are dropped when the next session is created.
  BOOST_TEST(store.create(digest("s5"), repository.create_user("vera", "", "").id, "127.0.0.1",
                          db::SignInProof{"", false}));
  BOOST_TEST(number("SELECT count(*) FROM self_service_sessions WHERE id_hash = decode('" +
                    auth::to_hex(digest("s1")) + "', 'hex')") == 0);
}

// A sign-in checks the password, then stores the session in a later transaction; a password
// change, TOTP turned on or a disabled account in between must not leave a session behind.
BOOST_AUTO_TEST_CASE(a_session_is_stored_only_while_the_sign_in_still_holds) {
  db::SessionStore store(*connection, {std::chrono::hours(1), std::chrono::hours(2)});
  const auto sessions = [&] { return number("SELECT count(*) FROM self_service_sessions"); };
  BOOST_TEST(!store.create(digest("a"), user_id, "127.0.0.1", {"$argon2id$old", false}));
  BOOST_TEST(sessions() == 0);
  BOOST_TEST(store.create(digest("b"), user_id, "127.0.0.1", signed_in));
  BOOST_TEST(sessions() == 1);

  enable_totp();
  BOOST_TEST(!store.create(digest("c"), user_id, "127.0.0.1", signed_in));  // no code passed
  BOOST_TEST(store.create(digest("d"), user_id, "127.0.0.1", {"$argon2id$x", true}));
  repository.disable_user("uli");
  BOOST_TEST(!store.create(digest("e"), user_id, "127.0.0.1", {"$argon2id$x", true}));
  BOOST_TEST(number("SELECT count(*) FROM self_service_sessions WHERE id_hash IN (decode('" +
                    auth::to_hex(digest("c")) + "', 'hex'), decode('" + auth::to_hex(digest("e")) +
                    "', 'hex'))") == 0);
}

// The race itself: a password change not yet committed when the session is stored. The store
// waits for it and then stores nothing, so the change's ending of sessions cannot miss one.
BOOST_AUTO_TEST_CASE(a_session_waits_for_a_password_change_in_flight_and_is_refused) {
  const auto other = db::open_connection(database.url());
  pqxx::work change(*other);
  change.exec("UPDATE users SET password_hash = '$argon2id$changed' WHERE username = 'uli'");
  auto stored = std::async(std::launch::async, [&] {
    const auto own = db::open_connection(database.url());
    db::SessionStore store(*own, {std::chrono::hours(1), std::chrono::hours(2)});
    return store.create(digest("racing"), user_id, "127.0.0.1", signed_in);
  });
  BOOST_TEST((stored.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout));
  change.commit();
  BOOST_TEST(!stored.get());
  BOOST_TEST(number("SELECT count(*) FROM self_service_sessions") == 0);
}

// Turning off a pending enrolment needs no code; the caller saw "pending" in an earlier
// transaction, so the repository must re-check it, or TOTP enabled since goes without a code.
BOOST_AUTO_TEST_CASE(cancelling_a_pending_enrolment_never_turns_off_an_enabled_totp) {
  BOOST_CHECK_THROW(repository.cancel_pending_totp("uli"), db::Conflict);  // nothing pending
  repository.set_totp_pending(user_id, "pending-secret");
  BOOST_TEST(repository.cancel_pending_totp("uli"));
  BOOST_TEST(text("SELECT totp_secret_sealed IS NULL FROM users") == "t");
  BOOST_TEST(events().find("totp.disabled") != std::string::npos);

  repository.set_totp_pending(user_id, "pending-again");
  const bool pending_when_looked = repository.totp_enrolment("uli").user.totp_pending;
  repository.confirm_totp(user_id, "pending-again", 7, {digest("code-1")});  // another session
  BOOST_TEST(pending_when_looked);
  BOOST_TEST(!repository.cancel_pending_totp("uli"));
  BOOST_TEST(text("SELECT totp_enabled AND totp_secret_sealed IS NOT NULL FROM users") == "t");
  BOOST_TEST(repository.recovery_codes_left(user_id) == 1);
}

// The same race with the confirm still in flight: the cancel waits for the row and then sees it.
BOOST_AUTO_TEST_CASE(cancelling_a_pending_enrolment_waits_for_a_confirm_in_flight) {
  repository.set_totp_pending(user_id, "pending-secret");
  const auto other = db::open_connection(database.url());
  pqxx::work confirm(*other);
  confirm.exec("UPDATE users SET totp_enabled = true WHERE username = 'uli'");
  auto cancelled = std::async(std::launch::async, [&] {
    const auto own = db::open_connection(database.url());
    return db::AdminRepository(*own, "127.0.0.1").cancel_pending_totp("uli");
  });
  BOOST_TEST((cancelled.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout));
  confirm.commit();
  BOOST_TEST(!cancelled.get());
  BOOST_TEST(text("SELECT totp_enabled AND totp_secret_sealed IS NOT NULL FROM users") == "t");
}

BOOST_AUTO_TEST_SUITE_END()

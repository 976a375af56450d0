#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "auth/app_password.hpp"
#include "db/errors.hpp"
#include "db/statements.hpp"
#include "db/text.hpp"
#include "db_fixture.hpp"

using namespace latchkey;

namespace {

struct Fixture : db_test::MigratedDatabase {
  // Contents of every table, to prove that a failed operation wrote nothing.
  std::string snapshot() {
    return text(
        "SELECT concat_ws('|', "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM users t), "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM app_passwords t), "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM audit_events t))");
  }

  std::string events() {
    return text("SELECT coalesce(string_agg(event, ' ' ORDER BY id), '') FROM audit_events");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(admin_repository, Fixture)

BOOST_AUTO_TEST_CASE(usernames_are_unique_regardless_of_case) {
  const auto alice = repository.create_user("Alice", "alice@example.com", "$argon2id$x");
  BOOST_TEST(alice.username == "Alice");
  BOOST_TEST(alice.has_password);
  const std::string before = snapshot();
  try {
    repository.create_user("ALICE", "", "");
    BOOST_FAIL("duplicate accepted");
  } catch (const db::Conflict& e) {
    BOOST_TEST(std::string(e.what()).find("\"ALICE\" already exists") != std::string::npos,
               e.what());
  }
  BOOST_TEST(snapshot() == before);
  BOOST_TEST(repository.find_user("alice").has_value());
  BOOST_TEST(repository.list_users().size() == 1u);
}

BOOST_AUTO_TEST_CASE(schema_refusals_write_nothing) {
  const std::string before = snapshot();
  BOOST_CHECK_THROW(repository.create_user("a:b", "", ""), db::InvalidValue);
  BOOST_CHECK_THROW(repository.create_user(std::string(129, 'x'), "", ""), db::InvalidValue);
  BOOST_CHECK_THROW(repository.create_user("bob", "a\nb@example.com", ""), db::InvalidValue);
  BOOST_TEST(snapshot() == before);
}

BOOST_AUTO_TEST_CASE(unknown_user_is_not_found_everywhere) {
  const std::string before = snapshot();
  BOOST_TEST(!repository.find_user("nobody").has_value());
  BOOST_CHECK_THROW(repository.disable_user("nobody"), db::NotFound);
  BOOST_CHECK_THROW(repository.set_password("nobody", "h"), db::NotFound);
  BOOST_CHECK_THROW(repository.totp_enrolment("nobody"), db::NotFound);
  BOOST_CHECK_THROW(repository.set_totp_pending(424242, "sealed"), db::NotFound);
  BOOST_CHECK_THROW(repository.disable_totp("nobody"), db::NotFound);
  BOOST_CHECK_THROW(repository.create_app_password("nobody", "x", digest_of("x")), db::NotFound);
  BOOST_CHECK_THROW(repository.list_app_passwords("nobody"), db::NotFound);
  BOOST_CHECK_THROW(repository.revoke_app_password("nobody", "x"), db::NotFound);
  BOOST_TEST(snapshot() == before);
}

BOOST_AUTO_TEST_CASE(user_changes_are_audited_in_their_transaction) {
  repository.create_user("alice", "", "old");
  BOOST_TEST(repository.disable_user("ALICE"));
  BOOST_TEST(!repository.disable_user("alice"));  // already disabled: no second event
  repository.set_password("alice", "new");
  BOOST_TEST(events() == "user.created user.disabled user.password_changed");
  BOOST_TEST(text("SELECT password_hash FROM users") == "new");
  BOOST_TEST(repository.find_user("alice")->disabled);
  // The audit row and the change it records were written by the same transaction.
  BOOST_TEST(number("SELECT count(*) FROM audit_events a JOIN users u ON u.xmin = a.xmin "
                    "WHERE a.event = 'user.password_changed'") == 1);
  BOOST_TEST(text("SELECT DISTINCT source FROM audit_events") == "cli");
  BOOST_TEST(text("SELECT DISTINCT username FROM audit_events") == "alice");
}

// One account (or a script holding its page session) cannot make the table grow without end.
BOOST_AUTO_TEST_CASE(live_app_passwords_per_account_are_capped) {
  repository.create_user("alice", "", "");
  repository.create_user("bob", "", "");
  const auto cap = db::AdminRepository::kMaxLiveAppPasswords;
  for (std::int64_t i = 0; i < cap; ++i) {
    repository.create_app_password("alice", "p" + std::to_string(i),
                                   digest_of("a" + std::to_string(i)));
  }
  const std::string before = snapshot();
  try {
    repository.create_app_password("alice", "one-more", digest_of("extra"));
    BOOST_FAIL("app password beyond the cap accepted");
  } catch (const db::Conflict& e) {
    BOOST_TEST(std::string(e.what()).find("100 live application passwords") != std::string::npos,
               e.what());
  }
  BOOST_TEST(snapshot() == before);  // nothing written, not even an audit row
  repository.create_app_password("bob", "laptop", digest_of("bob"));  // another account: fine
  repository.revoke_app_password("alice", "p0");  // a revoked one no longer counts
  repository.create_app_password("alice", "one-more", digest_of("extra"));
}

BOOST_AUTO_TEST_CASE(live_names_are_unique_and_reusable_after_revoke) {
  repository.create_user("alice", "", "");
  repository.create_user("bob", "", "");
  const auto first = repository.create_app_password("alice", "laptop", digest_of("one"));
  repository.create_app_password("bob", "laptop", digest_of("two"));  // other user: fine
  const std::string before = snapshot();
  try {
    repository.create_app_password("alice", "laptop", digest_of("three"));
    BOOST_FAIL("duplicate live name accepted");
  } catch (const db::Conflict& e) {
    BOOST_TEST(std::string(e.what()).find("\"laptop\"") != std::string::npos, e.what());
  }
  BOOST_TEST(snapshot() == before);

  repository.revoke_app_password("alice", "laptop");
  BOOST_CHECK_THROW(repository.revoke_app_password("alice", "laptop"), db::NotFound);
  const auto second = repository.create_app_password("alice", "laptop", digest_of("four"));
  BOOST_TEST(second.id != first.id);

  const auto list = repository.list_app_passwords("alice");
  BOOST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[0].id == first.id);
  BOOST_TEST(db::to_string(list[0].state) == "revoked");
  BOOST_TEST(list[0].revoked_at.has_value());
  BOOST_TEST(db::to_string(list[1].state) == "active");
  BOOST_TEST(!list[1].last_used_at.has_value());
}

BOOST_AUTO_TEST_CASE(app_password_events_carry_the_name_never_the_digest) {
  repository.create_user("alice", "", "");
  const auth::Digest digest = digest_of("secret canonical");
  const auto created = repository.create_app_password("alice", "phone", digest);
  repository.revoke_app_password("alice", "phone");
  BOOST_TEST(events() == "user.created app_password.created app_password.revoked");
  BOOST_TEST(text("SELECT detail->>'name' FROM audit_events WHERE event = "
                  "'app_password.created'") == "phone");
  BOOST_TEST(number("SELECT (detail->>'app_password_id')::bigint FROM audit_events WHERE event = "
                    "'app_password.revoked'") == created.id);
  BOOST_TEST(number("SELECT count(*) FROM audit_events a JOIN app_passwords p ON p.xmin = a.xmin "
                    "WHERE a.event = 'app_password.revoked'") == 1);
  const std::string all = text("SELECT string_agg(t::text, ',') FROM audit_events t");
  BOOST_TEST(all.find(db::hex_encode(digest)) == std::string::npos);
  BOOST_TEST(text("SELECT encode(hash, 'hex') FROM app_passwords") == db::hex_encode(digest));
}

BOOST_AUTO_TEST_CASE(list_reports_expired_and_last_use) {
  repository.create_user("alice", "", "");
  repository.create_app_password("alice", "old", digest_of("a"));
  execute(
      "UPDATE app_passwords SET expires_at = now() - interval '1 day', "
      "last_used_at = '2024-05-01T12:34:56Z', last_used_from = '192.0.2.9', "
      "last_used_agent = 'git/2.40'");
  const auto list = repository.list_app_passwords("alice");
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(db::to_string(list[0].state) == "expired");
  BOOST_REQUIRE(list[0].last_used_at.has_value());
  BOOST_TEST(db::to_iso8601(*list[0].last_used_at) == "2024-05-01T12:34:56Z");
  BOOST_TEST(*list[0].last_used_from == "192.0.2.9");
  BOOST_TEST(*list[0].last_used_agent == "git/2.40");
}

BOOST_AUTO_TEST_CASE(totp_enrolment_is_compare_and_set) {
  const auto alice = repository.create_user("alice", "", "");
  BOOST_CHECK_THROW(repository.disable_totp("alice"), db::Conflict);  // nothing to disable

  repository.set_totp_pending(alice.id, "sealed-1");
  auto enrolment = repository.totp_enrolment("ALICE");
  BOOST_TEST(enrolment.user.totp_pending);
  BOOST_TEST(*enrolment.sealed_secret == "sealed-1");
  BOOST_TEST(!enrolment.last_step.has_value());

  // A new enrolment replaces a pending one; a code checked against the old secret loses.
  repository.set_totp_pending(alice.id, "sealed-2");
  std::string before = snapshot();
  BOOST_CHECK_THROW(repository.confirm_totp(alice.id, "sealed-1", 1000), db::Conflict);
  BOOST_TEST(snapshot() == before);

  // A step not newer than the last accepted one loses (a replayed code).
  execute("UPDATE users SET totp_last_step = 1000");
  BOOST_CHECK_THROW(repository.confirm_totp(alice.id, "sealed-2", 1000), db::Conflict);
  BOOST_TEST(snapshot() != before);  // (only the UPDATE above changed it)
  before = snapshot();
  BOOST_CHECK_THROW(repository.confirm_totp(alice.id, "sealed-2", 999), db::Conflict);
  BOOST_TEST(snapshot() == before);

  repository.confirm_totp(alice.id, "sealed-2", 1001);
  enrolment = repository.totp_enrolment("alice");
  BOOST_TEST(enrolment.user.totp_enabled);
  BOOST_TEST(!enrolment.user.totp_pending);
  BOOST_TEST(*enrolment.last_step == 1001);

  before = snapshot();
  BOOST_CHECK_THROW(repository.confirm_totp(alice.id, "sealed-2", 1002), db::Conflict);
  BOOST_CHECK_THROW(repository.set_totp_pending(alice.id, "sealed-3"), db::Conflict);
  BOOST_TEST(snapshot() == before);

  repository.disable_totp("alice");
  enrolment = repository.totp_enrolment("alice");
  BOOST_TEST(!enrolment.user.totp_enabled);
  BOOST_TEST(!enrolment.sealed_secret.has_value());
  BOOST_TEST(!enrolment.last_step.has_value());
  BOOST_TEST(events() == "user.created totp.pending totp.pending totp.enabled totp.disabled");
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE detail::text LIKE '%sealed%'") == 0);
}

BOOST_AUTO_TEST_CASE(credential_changes_notify_replicas) {
  struct Receiver : pqxx::notification_receiver {
    std::vector<std::string> payloads;
    explicit Receiver(pqxx::connection_base& c)
        : pqxx::notification_receiver(c, std::string(db::kCredentialsChangedChannel)) {}
    void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  };
  const auto alice = repository.create_user("alice", "", "");
  repository.create_app_password("alice", "laptop", digest_of("x"));
  pqxx::connection listener(database.url());
  Receiver receiver(listener);
  listener.get_notifs();  // sends LISTEN

  repository.create_app_password("alice", "phone", digest_of("y"));  // adds, revokes nothing
  repository.revoke_app_password("alice", "laptop");
  repository.set_password("alice", "h");
  repository.disable_user("alice");
  for (int i = 0; i < 50 && receiver.payloads.size() < 3; ++i)
    listener.await_notification(0, 100'000);
  const std::string id = std::to_string(alice.id);
  BOOST_TEST(receiver.payloads == (std::vector<std::string>{id, id, id}));

  // A failed change notifies nobody: NOTIFY is delivered only at commit.
  BOOST_CHECK_THROW(repository.revoke_app_password("alice", "laptop"), db::NotFound);
  listener.await_notification(0, 200'000);
  BOOST_TEST(receiver.payloads.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

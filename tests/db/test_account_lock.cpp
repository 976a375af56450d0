// The account lock in PostgreSQL (DESIGN.md §5.5): counted by PgCredentialStore, shown and
// ended by the admin repository, audited in the transaction that changes it.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth/app_password.hpp"
#include "db/errors.hpp"
#include "db/pg_credential_store.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

constexpr auth::LockPolicy kLockAfterThree{3, 60s, 150s};

struct LockFixture : db_test::MigratedDatabase {
  db::ConnectionPool pool{database.url(), 4};
  db::PgCredentialStore store{pool, 2s};
  std::int64_t alice = repository.create_user("alice", "", "$argon2id$fake").id;

  auth::LockState fail(const auth::LockPolicy& policy = kLockAfterThree) {
    return store.record_failed_login(alice, policy);
  }

  // Seconds from the server's now() to alice's locked_until; -1 when there is none.
  double lock_seconds() {
    return std::stod(
        text("SELECT coalesce(extract(epoch FROM locked_until - now()), -1) FROM users WHERE "
             "username = 'alice'"));
  }

  // Ends the current lock as if its time had passed.
  void let_lock_expire() {
    execute("UPDATE users SET locked_until = now() - interval '1 second' WHERE username = 'alice'");
  }

  std::string events() {
    return text("SELECT coalesce(string_agg(event, ' ' ORDER BY id), '') FROM audit_events");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(account_lock, LockFixture)

BOOST_AUTO_TEST_CASE(migration_adds_the_columns_with_defaults) {
  BOOST_TEST(text("SELECT failed_logins || ',' || lock_count || ',' || "
                  "coalesce(locked_until::text, 'none') FROM users") == "0,0,none");
  BOOST_TEST(number("SELECT count(*) FROM schema_migrations WHERE name = "
                    "'0002_account_lock.sql'") == 1);
  const auto user = store.find_user("alice");
  BOOST_REQUIRE(user.has_value());
  BOOST_TEST(!user->locked_until.has_value());
  BOOST_TEST(user->failed_logins == 0);
  BOOST_TEST(user->lock_count == 0);
}

BOOST_AUTO_TEST_CASE(failures_lock_at_the_limit_with_an_audit_row_in_the_same_transaction) {
  auto state = fail();
  BOOST_TEST(state.failed_logins == 1);
  BOOST_TEST(!state.locked_now);
  BOOST_TEST(!state.locked_until.has_value());
  BOOST_TEST(fail().failed_logins == 2);
  BOOST_TEST(store.find_user("alice")->failed_logins == 2);
  BOOST_TEST(events() == "user.created");

  state = fail();
  BOOST_TEST(state.locked_now);
  BOOST_TEST(state.failed_logins == 0);
  BOOST_REQUIRE(state.locked_until.has_value());
  const auto remaining = *state.locked_until - std::chrono::system_clock::now();
  BOOST_TEST((remaining > 55s && remaining <= 61s));
  BOOST_TEST((lock_seconds() > 55 && lock_seconds() <= 60));
  BOOST_TEST(number("SELECT lock_count FROM users") == 1);

  BOOST_TEST(events() == "user.created account.locked");
  BOOST_TEST(number("SELECT count(*) FROM audit_events a JOIN users u ON u.xmin = a.xmin "
                    "WHERE a.event = 'account.locked'") == 1);
  BOOST_TEST(text("SELECT source || ' ' || username || ' ' || (user_id = " + std::to_string(alice) +
                  ") FROM audit_events WHERE event = 'account.locked'") == "proxy alice true");
  BOOST_TEST(number("SELECT (detail->>'failures')::int FROM audit_events WHERE event = "
                    "'account.locked'") == 3);
  BOOST_TEST(text("SELECT detail->>'until' = to_char(locked_until AT TIME ZONE 'UTC', "
                  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM audit_events, users WHERE event = "
                  "'account.locked'") == "t");
  BOOST_TEST(text("SELECT string_agg(k, ',' ORDER BY k) FROM audit_events, "
                  "jsonb_object_keys(detail) k WHERE event = 'account.locked'") ==
             "failures,until");
}

BOOST_AUTO_TEST_CASE(the_lock_shows_in_every_lookup_while_it_lasts) {
  const std::string canonical = auth::generate_app_password();
  repository.create_app_password("alice", "laptop", digest_of(canonical));
  for (int i = 0; i < 3; ++i) fail();
  const auto user = store.find_user("ALICE");
  BOOST_REQUIRE(user.has_value());
  BOOST_REQUIRE(user->locked_until.has_value());
  BOOST_TEST(user->lock_count == 1);
  const auto match = store.find_app_password(digest_of(canonical));
  BOOST_REQUIRE(match.has_value());
  BOOST_TEST((match->user.locked_until == user->locked_until));
  const auto info = repository.find_user("alice");
  BOOST_REQUIRE(info.has_value() && info->locked_until.has_value());
  BOOST_TEST((std::chrono::time_point_cast<std::chrono::microseconds>(*user->locked_until) ==
              *info->locked_until));

  // An expired lock is no lock, by the server's clock.
  let_lock_expire();
  BOOST_TEST(!store.find_user("alice")->locked_until.has_value());
  BOOST_TEST(!store.find_app_password(digest_of(canonical))->user.locked_until.has_value());
  BOOST_TEST(!repository.find_user("alice")->locked_until.has_value());
  BOOST_TEST(!repository.list_users().at(0).locked_until.has_value());
}

BOOST_AUTO_TEST_CASE(failures_during_a_lock_are_not_counted_and_do_not_extend_it) {
  for (int i = 0; i < 3; ++i) fail();
  const std::string until = text("SELECT locked_until::text FROM users");
  const std::string xmin = text("SELECT xmin::text FROM users");
  for (int i = 0; i < 5; ++i) {
    const auto state = fail();
    BOOST_TEST(!state.locked_now);
    BOOST_TEST(state.locked_until.has_value());
    BOOST_TEST(state.failed_logins == 0);
  }
  BOOST_TEST(text("SELECT locked_until::text FROM users") == until);
  BOOST_TEST(text("SELECT xmin::text FROM users") == xmin);  // not even rewritten
  BOOST_TEST(events() == "user.created account.locked");
}

BOOST_AUTO_TEST_CASE(each_further_lock_doubles_up_to_the_maximum) {
  const double expected[] = {60, 120, 150, 150};
  for (double seconds : expected) {
    BOOST_TEST_CONTEXT("lock of " << seconds << " s") {
      for (int i = 0; i < 3; ++i) fail();
      BOOST_TEST((lock_seconds() > seconds - 5 && lock_seconds() <= seconds));
      let_lock_expire();
    }
  }
  BOOST_TEST(number("SELECT lock_count FROM users") == 4);
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = 'account.locked'") == 4);
}

BOOST_AUTO_TEST_CASE(many_locks_never_overflow_the_doubling) {
  execute("UPDATE users SET lock_count = 1000");
  const auto state = fail(auth::LockPolicy{1, 24h, 24h});
  BOOST_TEST(state.locked_now);
  BOOST_TEST((lock_seconds() > 86'390 && lock_seconds() <= 86'400));
}

BOOST_AUTO_TEST_CASE(success_resets_the_count_and_the_doubling_and_idle_success_writes_nothing) {
  for (int i = 0; i < 3; ++i) fail();
  let_lock_expire();
  fail();
  BOOST_TEST(text("SELECT failed_logins || ',' || lock_count FROM users") == "1,1");
  store.record_successful_login(alice);
  BOOST_TEST(text("SELECT failed_logins || ',' || lock_count FROM users") == "0,0");
  // Nothing to clear: the row is not rewritten (same xmin), so a busy user costs no write.
  const std::string xmin = text("SELECT xmin::text FROM users");
  store.record_successful_login(alice);
  store.record_successful_login(alice);
  BOOST_TEST(text("SELECT xmin::text FROM users") == xmin);
  // The next lock starts short again.
  for (int i = 0; i < 3; ++i) fail();
  BOOST_TEST((lock_seconds() > 55 && lock_seconds() <= 60));
}

BOOST_AUTO_TEST_CASE(replicas_failing_at_once_lock_exactly_once) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 10; ++i) store.record_failed_login(alice, auth::LockPolicy{10, 60s, 1h});
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = 'account.locked'") == 1);
  BOOST_TEST(number("SELECT failed_logins FROM users") == 0);
  BOOST_TEST(number("SELECT lock_count FROM users") == 1);
}

BOOST_AUTO_TEST_CASE(unknown_user_id_changes_nothing) {
  const auto state = store.record_failed_login(alice + 1000, kLockAfterThree);
  BOOST_TEST(!state.locked_now);
  BOOST_TEST(state.failed_logins == 0);
  store.record_successful_login(alice + 1000);
  BOOST_TEST(events() == "user.created");
}

BOOST_AUTO_TEST_CASE(unlock_ends_the_lock_keeps_the_doubling_and_is_audited) {
  for (int i = 0; i < 3; ++i) fail();
  const std::string until = text(
      "SELECT to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM "
      "users");
  BOOST_TEST(repository.unlock_user("ALICE"));
  BOOST_TEST(text("SELECT coalesce(locked_until::text, 'none') || ',' || failed_logins || ',' || "
                  "lock_count FROM users") == "none,0,1");
  BOOST_TEST(events() == "user.created account.locked account.unlocked");
  BOOST_TEST(text("SELECT source FROM audit_events WHERE event = 'account.unlocked'") == "cli");
  BOOST_TEST(text("SELECT detail->>'until' FROM audit_events WHERE event = 'account.unlocked'") ==
             until);
  BOOST_TEST(number("SELECT count(*) FROM audit_events a JOIN users u ON u.xmin = a.xmin "
                    "WHERE a.event = 'account.unlocked'") == 1);
  BOOST_TEST(!store.find_user("alice")->locked_until.has_value());

  // Not locked: nothing to do, nothing written.
  BOOST_TEST(!repository.unlock_user("alice"));
  BOOST_TEST(events() == "user.created account.locked account.unlocked");
  // Failures without a lock are cleared, and audited without an end.
  fail();
  BOOST_TEST(!repository.unlock_user("alice"));
  BOOST_TEST(number("SELECT failed_logins FROM users") == 0);
  BOOST_TEST(text("SELECT detail::text FROM audit_events ORDER BY id DESC LIMIT 1") ==
             R"({"failures": 1})");
  BOOST_CHECK_THROW(repository.unlock_user("nobody"), db::NotFound);
}

BOOST_AUTO_TEST_CASE(lock_bookkeeping_errors_become_store_unavailable) {
  execute("ALTER TABLE users RENAME COLUMN failed_logins TO failed_logins_gone");
  BOOST_CHECK_THROW(fail(), auth::StoreUnavailable);
  BOOST_CHECK_THROW(store.record_successful_login(alice), auth::StoreUnavailable);
  execute("ALTER TABLE users RENAME COLUMN failed_logins_gone TO failed_logins");
  BOOST_TEST(fail().failed_logins == 1);
}

BOOST_AUTO_TEST_SUITE_END()

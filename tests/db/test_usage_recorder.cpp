#include <boost/test/unit_test.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/app_password.hpp"
#include "auth/credential_store.hpp"
#include "db/usage_recorder.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

struct RecorderFixture : db_test::MigratedDatabase {
  db::ConnectionPool pool{database.url(), 2};
  db::UsageRecorder recorder{pool, 2s};
  std::vector<std::int64_t> ids;

  // The first kMaxLiveAppPasswords are alice's; more (for batches larger than one statement)
  // go to alice-1, alice-2, ..., as one account may not hold them all.
  explicit RecorderFixture(int passwords = 50) {
    constexpr auto kPerUser = db::AdminRepository::kMaxLiveAppPasswords;
    for (int i = 0; i < passwords; ++i) {
      const std::string user = i < kPerUser ? "alice" : "alice-" + std::to_string(i / kPerUser);
      if (i % kPerUser == 0) repository.create_user(user, "", "");
      ids.push_back(repository
                        .create_app_password(user, "device " + std::to_string(i),
                                             digest_of(auth::generate_app_password()))
                        .id);
    }
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(usage_recorder, RecorderFixture)

BOOST_AUTO_TEST_CASE(one_flush_writes_every_pending_use_in_one_transaction) {
  for (std::int64_t id : ids) {
    recorder.record(id, "192.0.2.1", "first agent");
    recorder.record(id, "192.0.2." + std::to_string(id % 200), "agent " + std::to_string(id));
  }
  BOOST_TEST(recorder.pending() == ids.size());
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE last_used_at IS NOT NULL") == 0);

  BOOST_TEST(recorder.flush() == ids.size());
  BOOST_TEST(recorder.pending() == 0u);
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE last_used_at IS NOT NULL") ==
             static_cast<std::int64_t>(ids.size()));
  // Every row was written by the same transaction: one flush, not one UPDATE per use.
  BOOST_TEST(number("SELECT count(DISTINCT xmin::text) FROM app_passwords") == 1);
  // The latest use of each password wins.
  const std::int64_t id = ids[7];
  BOOST_TEST(text("SELECT last_used_agent FROM app_passwords WHERE id = " + std::to_string(id)) ==
             "agent " + std::to_string(id));
  BOOST_TEST(text("SELECT last_used_from FROM app_passwords WHERE id = " + std::to_string(id)) ==
             "192.0.2." + std::to_string(id % 200));
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE "
                    "last_used_at BETWEEN now() - interval '1 minute' AND now()") ==
             static_cast<std::int64_t>(ids.size()));
  BOOST_TEST(recorder.flush() == 0u);  // nothing pending: no statement at all
}

BOOST_AUTO_TEST_CASE(batches_larger_than_one_statement_stay_in_one_transaction) {
  RecorderFixture many(db::UsageRecorder::kRowsPerStatement + 5);
  for (std::int64_t id : many.ids) many.recorder.record(id, "198.51.100.7", "bulk");
  BOOST_TEST(many.recorder.flush() == many.ids.size());
  BOOST_TEST(many.number("SELECT count(*) FROM app_passwords WHERE last_used_agent = 'bulk'") ==
             static_cast<std::int64_t>(many.ids.size()));
  BOOST_TEST(many.number("SELECT count(DISTINCT xmin::text) FROM app_passwords") == 1);
}

BOOST_AUTO_TEST_CASE(uses_past_the_inbox_limit_are_folded_and_the_latest_still_wins) {
  // More uses than one inbox holds: the IO-side fold must keep every password's latest use.
  constexpr std::size_t kUses = db::kWriteBehindInboxLimit * 2 + 17;
  for (std::size_t i = 0; i < kUses; ++i) {
    recorder.record(ids[i % ids.size()], "192.0.2." + std::to_string(i % 3),
                    "agent " + std::to_string(i));
  }
  BOOST_TEST(recorder.pending() == ids.size());
  BOOST_TEST(recorder.flush() == ids.size());
  BOOST_TEST(recorder.pending() == 0u);
  const std::size_t last = kUses - 1;
  const std::string id = std::to_string(ids[last % ids.size()]);
  BOOST_TEST(text("SELECT last_used_agent FROM app_passwords WHERE id = " + id) ==
             "agent " + std::to_string(last));
  BOOST_TEST(text("SELECT last_used_from FROM app_passwords WHERE id = " + id) ==
             "192.0.2." + std::to_string(last % 3));
}

BOOST_AUTO_TEST_CASE(user_agent_is_truncated_and_made_valid_text) {
  recorder.record(ids[0], "2001:db8::1", std::string(1000, 'A'));
  recorder.record(ids[1], "2001:db8::2", "bad \xff bytes\r\n and 'quotes' \\ and \"more\"");
  recorder.flush();
  BOOST_TEST(number("SELECT octet_length(last_used_agent) FROM app_passwords WHERE id = " +
                    std::to_string(ids[0])) == 256);
  BOOST_TEST(text("SELECT last_used_agent FROM app_passwords WHERE id = " +
                  std::to_string(ids[1])) == "bad ? bytes?? and 'quotes' \\ and \"more\"");
}

BOOST_AUTO_TEST_CASE(failed_flush_keeps_the_batch) {
  recorder.record(ids[0], "192.0.2.1", "agent");
  execute("ALTER TABLE app_passwords RENAME COLUMN last_used_agent TO agent_gone");
  BOOST_CHECK_THROW(recorder.flush(), auth::StoreUnavailable);
  BOOST_TEST(recorder.pending() == 1u);
  execute("ALTER TABLE app_passwords RENAME COLUMN agent_gone TO last_used_agent");
  BOOST_TEST(recorder.flush() == 1u);
  BOOST_TEST(text("SELECT last_used_agent FROM app_passwords WHERE id = " +
                  std::to_string(ids[0])) == "agent");
}

BOOST_AUTO_TEST_CASE(unknown_ids_are_ignored) {
  recorder.record(999'999, "192.0.2.1", "ghost");
  recorder.record(ids[0], "192.0.2.1", "real");
  BOOST_TEST(recorder.flush() == 2u);
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE last_used_at IS NOT NULL") == 1);
}

BOOST_AUTO_TEST_CASE(first_use_and_each_new_address_write_one_new_address_event) {
  const auto events = [&](const std::string& where = "true") {
    return number(
        "SELECT count(*) FROM audit_events WHERE event = 'app_password.new_address' "
        "AND " +
        where);
  };
  recorder.record(ids[0], "192.0.2.1", "DAVx5/4.3");
  recorder.flush();
  BOOST_TEST(events() == 1);  // first use ever: stored address was NULL
  BOOST_TEST(text("SELECT detail::text FROM audit_events WHERE event = "
                  "'app_password.new_address'") ==
             R"({"name": "device 0", "address": "192.0.2.1", "user_agent": "DAVx5/4.3", )"
             R"("app_password_id": )" +
                 std::to_string(ids[0]) + "}");
  BOOST_TEST(text("SELECT username || ' ' || source FROM audit_events WHERE event = "
                  "'app_password.new_address'") == "alice 192.0.2.1");
  BOOST_TEST(number("SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.user_id "
                    "WHERE a.event = 'app_password.new_address' AND u.username = 'alice'") == 1);

  recorder.record(ids[0], "192.0.2.1", "DAVx5/4.3");  // same address again: nothing
  recorder.flush();
  BOOST_TEST(events() == 1);

  recorder.record(ids[0], "198.51.100.4", "");  // a new address, no user agent
  recorder.flush();
  BOOST_TEST(events() == 2);
  BOOST_TEST(events("source = '198.51.100.4' AND NOT detail ? 'user_agent'") == 1);

  recorder.record(ids[0], "192.0.2.1", "DAVx5/4.3");  // back to the first one: new again
  recorder.flush();
  BOOST_TEST(events() == 3);
  BOOST_TEST(text("SELECT last_used_from FROM app_passwords WHERE id = " +
                  std::to_string(ids[0])) == "192.0.2.1");
}

BOOST_AUTO_TEST_CASE(a_new_address_between_two_usual_ones_is_still_reported) {
  recorder.record(ids[0], "192.0.2.1", "usual");
  recorder.flush();
  // Within one interval: the usual client, someone elsewhere, the usual client again.
  recorder.record(ids[0], "192.0.2.1", "usual");
  recorder.record(ids[0], "203.0.113.66", "curl/8.0");
  recorder.record(ids[0], "192.0.2.1", "usual");
  BOOST_TEST(recorder.flush() == 1u);
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = 'app_password.new_address' "
                    "AND source = '203.0.113.66' AND detail->>'user_agent' = 'curl/8.0'") == 1);
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = "
                    "'app_password.new_address'") == 2);
  // The latest use is what last_used_* shows.
  BOOST_TEST(text("SELECT last_used_from || ' ' || last_used_agent FROM app_passwords WHERE id = " +
                  std::to_string(ids[0])) == "192.0.2.1 usual");
}

BOOST_AUTO_TEST_CASE(new_address_events_are_written_in_the_same_transaction) {
  RecorderFixture many(db::UsageRecorder::kRowsPerStatement + 5);
  for (std::int64_t id : many.ids) many.recorder.record(id, "198.51.100.7", "bulk");
  many.recorder.record(many.ids.back(), "198.51.100.8", "bulk");
  BOOST_TEST(many.recorder.flush() == many.ids.size());
  BOOST_TEST(many.number("SELECT count(*) FROM audit_events WHERE event = "
                         "'app_password.new_address'") ==
             static_cast<std::int64_t>(many.ids.size()) + 1);
  BOOST_TEST(many.number("SELECT count(DISTINCT xmin::text) FROM (SELECT xmin FROM app_passwords "
                         "UNION ALL SELECT xmin FROM audit_events "
                         "WHERE event = 'app_password.new_address') t") == 1);
}

BOOST_AUTO_TEST_CASE(failed_flush_writes_no_new_address_event_and_keeps_it) {
  recorder.record(ids[0], "192.0.2.1", "agent");
  execute("ALTER TABLE audit_events RENAME COLUMN detail TO detail_gone");
  BOOST_CHECK_THROW(recorder.flush(), auth::StoreUnavailable);
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE last_used_at IS NOT NULL") == 0);
  execute("ALTER TABLE audit_events RENAME COLUMN detail_gone TO detail");
  BOOST_TEST(recorder.flush() == 1u);
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = "
                    "'app_password.new_address'") == 1);
}

BOOST_AUTO_TEST_CASE(an_older_use_changes_nothing_and_reports_nothing) {
  recorder.record(ids[0], "192.0.2.1", "agent");
  recorder.flush();
  // Another replica already stored a newer use.
  execute("UPDATE app_passwords SET last_used_at = now() + interval '1 hour' WHERE id = " +
          std::to_string(ids[0]));
  recorder.record(ids[0], "203.0.113.5", "late");
  recorder.flush();
  BOOST_TEST(text("SELECT last_used_from FROM app_passwords WHERE id = " +
                  std::to_string(ids[0])) == "192.0.2.1");
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = "
                    "'app_password.new_address'") == 1);
}

BOOST_AUTO_TEST_CASE(hostile_user_agents_are_bound_not_interpreted) {
  recorder.record(ids[0], "192.0.2.1'); DELETE FROM users; --", "x'); DROP TABLE users; --");
  recorder.flush();
  BOOST_TEST(number("SELECT count(*) FROM users") == 1);
  BOOST_TEST(text("SELECT detail->>'user_agent' FROM audit_events WHERE event = "
                  "'app_password.new_address'") == "x'); DROP TABLE users; --");
}

BOOST_AUTO_TEST_CASE(two_replicas_flushing_the_same_passwords_do_not_deadlock) {
  db::ConnectionPool other_pool{database.url(), 2};
  db::UsageRecorder other{other_pool, 10s};
  std::vector<std::string> errors;
  std::mutex errors_mutex;
  const auto replica = [&](db::UsageRecorder& r, const std::string& address) {
    for (int round = 0; round < 20; ++round) {
      // Opposite orders of recording; the flush sorts, so row locks are taken in one order.
      for (std::size_t i = 0; i < ids.size(); ++i) {
        r.record(ids[address.back() == '1' ? i : ids.size() - 1 - i], address, "agent");
      }
      try {
        r.flush();
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(e.what());
      }
    }
  };
  std::thread first([&] { replica(recorder, "192.0.2.1"); });
  std::thread second([&] { replica(other, "192.0.2.2"); });
  first.join();
  second.join();
  BOOST_TEST(errors.empty(), (errors.empty() ? "" : errors.front()));
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE last_used_from IN "
                    "('192.0.2.1', '192.0.2.2')") == static_cast<std::int64_t>(ids.size()));
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = "
                    "'app_password.new_address'") >= static_cast<std::int64_t>(ids.size()));
  // Each event is a real change: no password reports the address it already had, which a
  // comparison with a stale (unlocked) previous address would.
  BOOST_TEST(number("SELECT count(*) FROM (SELECT source, lag(source) OVER (PARTITION BY "
                    "detail->>'app_password_id' ORDER BY id) AS before FROM audit_events "
                    "WHERE event = 'app_password.new_address') t WHERE source = before") == 0);
}

// Thousands of clients in steady use must not cost a row per client per flush: a repeat from
// the address and agent last written waits for the refresh interval (a minute); news does not.
BOOST_AUTO_TEST_CASE(steady_use_is_written_again_only_after_the_refresh_interval) {
  const std::string id = std::to_string(ids[0]);
  const auto last_used = [&] {  // microseconds since the epoch
    return number("SELECT (extract(epoch FROM last_used_at) * 1000000)::bigint "
                  "FROM app_passwords WHERE id = " + id);
  };
  const auto now = std::chrono::steady_clock::now();
  recorder.record(ids[0], "192.0.2.1", "DAVx5/4.3");
  BOOST_TEST(recorder.flush(now) == 1u);  // first use: at once
  const auto first = last_used();
  recorder.record(ids[0], "192.0.2.1", "DAVx5/4.3");
  BOOST_TEST(recorder.flush(now + 1s) == 0u);  // steady use: held back, still pending
  BOOST_TEST(recorder.pending() == 1u);
  BOOST_TEST(last_used() == first);
  BOOST_TEST(recorder.flush(now + 61s) == 1u);  // a minute on: the latest use is written
  BOOST_TEST(last_used() > first);
  BOOST_TEST(recorder.pending() == 0u);
  // Another user agent, or another address, is written at the next flush.
  recorder.record(ids[0], "192.0.2.1", "DAVx5/4.4");
  BOOST_TEST(recorder.flush(now + 62s) == 1u);
  recorder.record(ids[0], "198.51.100.9", "DAVx5/4.4");
  BOOST_TEST(recorder.flush(now + 63s) == 1u);
  BOOST_TEST(text("SELECT last_used_from FROM app_passwords WHERE id = " + id) == "198.51.100.9");
}

BOOST_AUTO_TEST_SUITE_END()

// db::AuditLog (write-behind of refused logins), clean_untrusted_text and
// read_audit_events, against a real PostgreSQL.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth/credential_store.hpp"
#include "db/audit_log.hpp"
#include "db/errors.hpp"
#include "db/text.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

struct AuditFixture : db_test::MigratedDatabase {
  db::ConnectionPool pool{database.url(), 2};
  const auth::KeyedHasher hasher{std::string(32, 'k')};
  db::AuditLog audit{pool, hasher, 2s};

  std::int64_t refused(const std::string& where = "true") {
    return number("SELECT count(*) FROM audit_events WHERE event = 'login.refused' AND " + where);
  }

  // The condition that picks the refusals typed as `name`, a name that is no account.
  std::string typed_unknown(std::string_view name) const {
    return "detail->>'username_fingerprint' = '" + db::refused_username_fingerprint(hasher, name) +
           "'";
  }
};

db::AuditQuery query(std::optional<std::string> username, std::optional<db::Timestamp> since = {},
                     std::size_t limit = 1'000) {
  db::AuditQuery q;
  q.username = std::move(username);
  q.since = since;
  q.limit = limit;
  return q;
}

std::string repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clean_untrusted_text)

BOOST_AUTO_TEST_CASE(keeps_printable_text_and_strips_what_disguises_it) {
  struct Case {
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases{
      {"alice", "alice"},
      {"Zoë Ünal 日本", "Zoë Ünal 日本"},
      {"' OR 1=1 --", "' OR 1=1 --"},
      {"a\\b\"c", "a\\b\"c"},
      {"ad\x01min\r\n", "admin"},
      {std::string("nul\0byte", 8), "nulbyte"},
      {"del\x7f", "del"},
      {"c1\xc2\x9b", "c1"},  // U+009B, a one-byte CSI on some terminals
      {"\xe2\x80\xae"
       "evil",
       "evil"},                                        // U+202E right-to-left override
      {"iso\xe2\x81\xa6late\xe2\x81\xa9", "isolate"},  // U+2066, U+2069
      {"line\xe2\x80\xa8sep", "linesep"},              // U+2028
      {"bad\xff\xfe", "bad"},
      {"\xc0\xaf", ""},        // overlong '/'
      {"\xed\xa0\x80", ""},    // a surrogate
      {"cut\xe6\x97", "cut"},  // truncated sequence
      {"\x80lone", "lone"},
  };
  for (const Case& c : cases) {
    BOOST_TEST(db::clean_untrusted_text(c.in, 128) == c.out, db::sanitize_text(c.in, 100));
  }
  BOOST_TEST(db::clean_untrusted_text("a\x01"
                                      "b\xff",
                                      128, "?") == "a?b?");
}

BOOST_AUTO_TEST_CASE(truncates_without_splitting_a_character) {
  BOOST_TEST(db::clean_untrusted_text(std::string(10'000, 'A'), 128) == std::string(128, 'A'));
  const std::string snowmen = repeat("\xe2\x98\x83", 50);  // 150 bytes
  const std::string cut = db::clean_untrusted_text(snowmen, 128);
  BOOST_TEST(cut.size() == 126u);
  BOOST_TEST(db::is_valid_utf8(cut));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(audit_log, AuditFixture)

BOOST_AUTO_TEST_CASE(identical_refusals_become_one_row_with_a_count) {
  const auto alice = repository.create_user("Alice", "", "");
  for (int i = 0; i < 100; ++i) {
    // Case does not split a tuple: logins match usernames without regard to case.
    audit.record_refused_login(i % 2 == 0 ? "alice" : "ALICE", "192.0.2.1", "wrong_password");
  }
  audit.record_refused_login("alice", "192.0.2.2", "wrong_password");
  audit.record_refused_login("alice", "192.0.2.1", "totp_required");
  BOOST_TEST(audit.pending() == 3u);
  BOOST_TEST(refused() == 0);  // nothing is written before a flush

  BOOST_TEST(audit.flush() == 3u);
  BOOST_TEST(audit.pending() == 0u);
  BOOST_TEST(refused() == 3);
  const std::string row =
      "(SELECT * FROM audit_events WHERE source = '192.0.2.1' AND "
      "detail->>'reason' = 'wrong_password')";
  BOOST_TEST(number("SELECT (detail->>'count')::int FROM " + row + " r") == 100);
  BOOST_TEST(text("SELECT detail->>'username' FROM " + row + " r") == "alice");  // first typed
  BOOST_TEST(number("SELECT user_id FROM " + row + " r") == alice.id);
  BOOST_TEST(text("SELECT username FROM " + row + " r") == "Alice");  // the account's name
  BOOST_TEST(text("SELECT string_agg(DISTINCT (detail->>'count'), ',') FROM audit_events WHERE "
                  "detail->>'count' <> '100'") == "1");
  // The row carries the time of the first refusal, not of the flush, and nothing else.
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE at > now() - interval '1 minute' "
                    "AND at <= now()") == 4);  // with user.created
  BOOST_TEST(text("SELECT string_agg(DISTINCT k, ',' ORDER BY k) FROM audit_events, "
                  "jsonb_object_keys(detail) k WHERE event = 'login.refused'") ==
             "count,reason,username");
  // One flush, one transaction.
  BOOST_TEST(number("SELECT count(DISTINCT xmin::text) FROM audit_events "
                    "WHERE event = 'login.refused'") == 1);
  BOOST_TEST(audit.flush() == 0u);  // nothing pending: no statement
}

BOOST_AUTO_TEST_CASE(user_id_is_resolved_for_known_users_only) {
  const auto bob = repository.create_user("bob", "", "");
  audit.record_refused_login("BoB", "198.51.100.1", "wrong_password");
  audit.record_refused_login("mallory", "198.51.100.1", "unknown_user");
  audit.flush();
  BOOST_TEST(number("SELECT user_id FROM audit_events WHERE detail->>'username' = 'BoB'") ==
             bob.id);
  BOOST_TEST(text("SELECT username FROM audit_events WHERE detail->>'username' = 'BoB'") == "bob");
  BOOST_TEST(text("SELECT user_id FROM audit_events WHERE " + typed_unknown("mallory")) == "NULL");
  BOOST_TEST(text("SELECT username FROM audit_events WHERE " + typed_unknown("mallory")) == "");
}

// Users type passwords into the username field; a name that is no account may be one.
BOOST_AUTO_TEST_CASE(a_name_that_is_no_account_is_stored_only_as_a_fingerprint) {
  repository.create_user("alice", "", "");
  const std::string typed = "Correct-Horse-Battery-7";
  audit.record_refused_login(typed, "192.0.2.1", "unknown_user");
  audit.record_refused_login("alice", "192.0.2.1", "wrong_password");
  BOOST_TEST(audit.flush() == 2u);

  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE "
                    "lower(detail::text || username || source) LIKE '%horse%'") == 0);
  BOOST_TEST(refused(typed_unknown(typed) + " AND NOT detail ? 'username'") == 1);
  BOOST_TEST(text("SELECT string_agg(k, ',' ORDER BY k) FROM audit_events, "
                  "jsonb_object_keys(detail) k WHERE " + typed_unknown(typed)) ==
             "count,reason,username_fingerprint");
  // Case does not change the fingerprint, as it does not change which account a name is.
  BOOST_TEST(typed_unknown(typed) == typed_unknown("correct-horse-battery-7"));
  BOOST_TEST(typed_unknown(typed) != typed_unknown("correct-horse-battery-8"));
  // 32 bits of a keyed digest: another pepper, another fingerprint.
  const auth::KeyedHasher other{std::string(32, 'o')};
  BOOST_TEST(db::refused_username_fingerprint(other, typed) !=
             db::refused_username_fingerprint(hasher, typed));
  BOOST_TEST(db::refused_username_fingerprint(hasher, typed).size() == 8u);
  // The account's name is stored as typed: it is no secret.
  BOOST_TEST(refused("detail->>'username' = 'alice' AND NOT detail ? 'username_fingerprint'") == 1);
}

BOOST_AUTO_TEST_CASE(tried_finds_the_refusals_typed_with_a_name_whether_an_account_or_not) {
  repository.create_user("alice", "", "");
  audit.record_refused_login("ALICE", "192.0.2.1", "wrong_password");
  audit.record_refused_login("admin", "192.0.2.2", "unknown_user");
  audit.record_refused_login("Admin", "192.0.2.3", "unknown_user");
  audit.record_refused_login("root", "192.0.2.2", "unknown_user");
  audit.flush();

  db::AuditQuery q;
  q.tried = "aDmIn";
  q.hasher = &hasher;
  auto events = db::read_audit_events(*connection, q);
  BOOST_REQUIRE(events.size() == 2u);
  std::vector<std::string> sources;
  for (const auto& e : events) {
    BOOST_TEST(e.event == "login.refused");
    sources.push_back(e.source);
  }
  std::sort(sources.begin(), sources.end());  // refusals in one microsecond share a time
  BOOST_TEST(sources == (std::vector<std::string>{"192.0.2.2", "192.0.2.3"}),
             boost::test_tools::per_element());

  q.tried = "alice";  // an account: its refusals, not its user.created event
  events = db::read_audit_events(*connection, q);
  BOOST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events[0].source == "192.0.2.1");

  q.tried = "nobody";
  BOOST_TEST(db::read_audit_events(*connection, q).empty());
  q.hasher = nullptr;
  BOOST_CHECK_THROW(db::read_audit_events(*connection, q), std::logic_error);
}

BOOST_AUTO_TEST_CASE(hostile_usernames_are_stored_safely_and_never_as_sql) {
  const auto admin = repository.create_user("admin", "", "");
  const std::vector<std::string> hostile{
      "' OR '1'='1",
      "admin'; DROP TABLE users; --",
      "\"quoted\" and \\backslashes\\ and $1 and %s and {braces}",
      std::string(10 * 1024, 'x'),
      "invalid \xff\xfe utf-8 \xc3",
      "ad\x01min\r\n",  // stripped to "admin": must not be pinned on the admin account
      "\xe2\x80\xae"
      "nimda",
      std::string("nul\0inside", 10),
  };
  for (const std::string& name : hostile) audit.record_refused_login(name, "203.0.113.9", "x");
  BOOST_TEST(audit.flush() == hostile.size());

  BOOST_TEST(number("SELECT count(*) FROM users") == 1);  // nothing was executed as SQL
  BOOST_TEST(refused() == static_cast<std::int64_t>(hostile.size()));
  // None names an account, so none is stored: each only as the fingerprint of its cleaned form.
  BOOST_TEST(refused("detail ? 'username'") == 0);
  for (const std::string& name : hostile) BOOST_TEST(refused(typed_unknown(name)) == 1);
  BOOST_TEST(typed_unknown(std::string(10 * 1024, 'x')) == typed_unknown(std::string(128, 'x')));
  // Altered names are marked and belong to no account, even when cleaning made them one.
  BOOST_TEST(refused(typed_unknown("admin") + " AND user_id IS NULL AND "
                     "(detail->>'username_altered')::boolean") == 1);
  BOOST_TEST(refused("user_id = " + std::to_string(admin.id)) == 0);
  BOOST_TEST(refused("detail ? 'username_altered'") == 5);
}

BOOST_AUTO_TEST_CASE(distinct_tuples_are_capped_and_the_rest_counted_as_dropped) {
  const std::size_t cap = db::AuditLog::kMaxDistinct;
  for (std::size_t i = 0; i < cap + 50; ++i) {
    audit.record_refused_login("user" + std::to_string(i), "192.0.2.1", "unknown_user");
  }
  for (int i = 0; i < 7; ++i) audit.record_refused_login("user0", "192.0.2.1", "unknown_user");
  audit.record_refused_login("user0", "192.0.2.77", "unknown_user");  // a new tuple: dropped
  BOOST_TEST(audit.pending() == cap);
  BOOST_TEST(audit.pending_dropped() == 51u);

  BOOST_TEST(audit.flush() == cap + 1);
  BOOST_TEST(refused() == static_cast<std::int64_t>(cap));
  BOOST_TEST(number("SELECT (detail->>'count')::int FROM audit_events WHERE " +
                    typed_unknown("user0")) == 8);
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE event = 'audit.dropped'") == 1);
  BOOST_TEST(text("SELECT detail::text FROM audit_events WHERE event = 'audit.dropped'") ==
             R"({"count": 51, "event": "login.refused"})");
  BOOST_TEST(text("SELECT user_id FROM audit_events WHERE event = 'audit.dropped'") == "NULL");
  BOOST_TEST(number("SELECT count(DISTINCT xmin::text) FROM audit_events "
                    "WHERE event IN ('login.refused', 'audit.dropped')") == 1);
  BOOST_TEST(audit.pending_dropped() == 0u);
}

BOOST_AUTO_TEST_CASE(failed_flush_keeps_the_counts_within_the_cap) {
  audit.record_refused_login("carol", "192.0.2.5", "wrong_password");
  audit.record_refused_login("carol", "192.0.2.5", "wrong_password");
  execute("ALTER TABLE audit_events RENAME COLUMN detail TO detail_gone");
  BOOST_CHECK_THROW(audit.flush(), auth::StoreUnavailable);
  BOOST_TEST(audit.pending() == 1u);

  // Meanwhile: the same tuple again, and enough new ones to overflow the cap.
  audit.record_refused_login("CAROL", "192.0.2.5", "wrong_password");
  for (std::size_t i = 0; i < db::AuditLog::kMaxDistinct + 3; ++i) {
    audit.record_refused_login("u" + std::to_string(i), "192.0.2.6", "unknown_user");
  }
  BOOST_CHECK_THROW(audit.flush(), auth::StoreUnavailable);
  BOOST_TEST(audit.pending() == db::AuditLog::kMaxDistinct);
  BOOST_TEST(audit.pending_dropped() == 4u);

  execute("ALTER TABLE audit_events RENAME COLUMN detail_gone TO detail");
  BOOST_TEST(audit.flush() == db::AuditLog::kMaxDistinct + 1);
  BOOST_TEST(number("SELECT (detail->>'count')::int FROM audit_events WHERE " +
                    typed_unknown("carol")) == 3);
  BOOST_TEST(number("SELECT (detail->>'count')::int FROM audit_events "
                    "WHERE event = 'audit.dropped'") == 4);
  BOOST_TEST(audit.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(unreachable_database_throws_store_unavailable_and_keeps_the_counts) {
  db::ConnectionPool nowhere{"postgresql://latchkey@127.0.0.1:1/none?connect_timeout=2", 1};
  db::AuditLog offline{nowhere, hasher, 500ms};
  offline.record_refused_login("dave", "192.0.2.8", "wrong_password");
  BOOST_CHECK_THROW(offline.flush(), auth::StoreUnavailable);
  BOOST_TEST(offline.pending() == 1u);
}

BOOST_AUTO_TEST_CASE(concurrent_recording_loses_no_refusal) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        audit.record_refused_login("eve", "192.0.2." + std::to_string(t % 2), "wrong_password");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(audit.flush() == 2u);
  BOOST_TEST(number("SELECT sum((detail->>'count')::int) FROM audit_events "
                    "WHERE event = 'login.refused'") == 8000);
}

BOOST_AUTO_TEST_CASE(read_audit_events_filters_orders_and_limits) {
  repository.create_user("alice", "", "");
  repository.create_user("bob", "", "");
  repository.disable_user("alice");
  execute(
      "UPDATE audit_events SET at = now() - interval '3 days' WHERE event = 'user.created' "
      "AND username = 'alice'");

  auto events = db::read_audit_events(*connection, {});
  BOOST_REQUIRE(events.size() == 3u);
  BOOST_TEST(events[0].event == "user.created");  // the old one first
  BOOST_TEST(events[0].username == "alice");
  BOOST_TEST(events[1].username == "bob");
  BOOST_TEST(events[2].event == "user.disabled");
  BOOST_TEST(events[2].source == "cli");
  BOOST_TEST(events[2].detail == "{}");
  BOOST_TEST((events[0].at < events[1].at));

  events = db::read_audit_events(*connection, query("ALICE"));
  BOOST_REQUIRE(events.size() == 2u);
  BOOST_TEST(events[0].event == "user.created");
  BOOST_TEST(events[1].event == "user.disabled");

  const auto day_ago =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()) -
      24h;
  events = db::read_audit_events(*connection, query("alice", day_ago));
  BOOST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events[0].event == "user.disabled");

  events = db::read_audit_events(*connection, query({}, {}, 2));  // the newest two, oldest first
  BOOST_REQUIRE(events.size() == 2u);
  BOOST_TEST(events[0].username == "bob");
  BOOST_TEST(events[1].event == "user.disabled");

  BOOST_CHECK_THROW(db::read_audit_events(*connection, query("nobody")), db::NotFound);
}

BOOST_AUTO_TEST_SUITE_END()

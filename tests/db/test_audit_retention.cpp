// Retention of the audit log: delete_old_audit_events and prune_audit_events against a real
// PostgreSQL, and the schedule of AuditRetention with a fake delete (no database).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "db/audit_log.hpp"
#include "db/audit_retention.hpp"
#include "db/statements.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

struct PruneFixture : db_test::MigratedDatabase {
  // `count` events named `event`, the i-th `days_ago + i` days old (so the first is newest).
  void insert(int count, int days_ago, const std::string& event) {
    execute("INSERT INTO audit_events (at, event) SELECT now() - (" + std::to_string(days_ago) +
            " + i) * interval '1 day', '" + event + "' FROM generate_series(0, " +
            std::to_string(count - 1) + ") AS i");
  }

  std::int64_t events(const std::string& event) {
    return number("SELECT count(*) FROM audit_events WHERE event = '" + event + "'");
  }
};

constexpr std::chrono::milliseconds kDay = 24h;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(audit_prune, PruneFixture)

BOOST_AUTO_TEST_CASE(deletes_what_is_older_than_the_cutoff_and_keeps_the_rest) {
  insert(3, 10, "old");    // 10 to 12 days old
  insert(2, 3, "recent");  // 3 and 4 days old
  execute("INSERT INTO audit_events (event) VALUES ('now')");
  BOOST_TEST(db::prune_audit_events(*connection, 5 * kDay) == 3u);
  BOOST_TEST(events("old") == 0);
  BOOST_TEST(events("recent") == 2);
  BOOST_TEST(events("now") == 1);
  BOOST_TEST(db::prune_audit_events(*connection, 5 * kDay) == 0u);  // nothing left to do
  BOOST_TEST(db::prune_audit_events(*connection, 3 * kDay + 12h) == 1u);
  BOOST_TEST(events("recent") == 1);
  BOOST_TEST(events("now") == 1);
}

BOOST_AUTO_TEST_CASE(deletes_in_batches_oldest_first) {
  insert(25, 400, "old");  // 400 to 424 days old
  insert(5, 0, "new");
  // One statement deletes at most its batch, the oldest events first.
  BOOST_TEST(db::delete_old_audit_events(*connection, 365 * kDay, 10) == 10u);
  BOOST_TEST(events("old") == 15);
  BOOST_TEST(number("SELECT count(*) FROM audit_events WHERE at < now() - interval '415 days'") ==
             0);
  // The loop goes on until a batch comes back short: 10, 5.
  BOOST_TEST(db::prune_audit_events(*connection, 365 * kDay, 10) == 15u);
  BOOST_TEST(events("old") == 0);
  BOOST_TEST(events("new") == 5);
  // A multiple of the batch ends on an empty batch: 10, 10, 0.
  insert(20, 400, "again");
  BOOST_TEST(db::prune_audit_events(*connection, 365 * kDay, 10) == 20u);
  BOOST_TEST(events("again") == 0);
  BOOST_TEST(events("new") == 5);
  BOOST_CHECK_THROW(db::prune_audit_events(*connection, kDay, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_delete_walks_indexes_not_the_table) {
  // Scanning the whole table each hour would cost what the retention is there to bound: on a
  // table of 50,000 events, 2,000 of them old, the plan reads the two indexes, not the table.
  execute(
      "INSERT INTO audit_events (at, event) SELECT now() - i * interval '1 minute', 'x' "
      "FROM generate_series(1, 48000) AS i");
  insert(2000, 400, "old");
  execute("ANALYZE audit_events");
  std::string statement = db::sql::kDeleteOldAuditEvents.sql;
  statement.replace(statement.find("$1"), 2, std::to_string((365 * kDay).count()));
  statement.replace(statement.find("$2"), 2, "10000");
  pqxx::work tx(*connection);
  std::string plan;
  for (const auto& row : tx.exec("EXPLAIN " + statement)) plan += row[0].as<std::string>() + "\n";
  // A bitmap scan or an ordered one, whichever is cheaper: either reads the index.
  BOOST_TEST(plan.find(" audit_events_at ") != std::string::npos, plan);
  BOOST_TEST(plan.find("Index Scan using audit_events_pkey") != std::string::npos, plan);
  BOOST_TEST(plan.find("Seq Scan") == std::string::npos, plan);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Returns the queued counts in turn (an empty queue: 0), or throws when the next is -1.
struct FakeDelete {
  std::deque<long> results;
  std::vector<std::size_t> calls;  // max_rows of each call

  db::AuditRetention::DeleteBatch function() {
    return [this](std::size_t max_rows) -> std::size_t {
      calls.push_back(max_rows);
      if (results.empty()) return 0;
      const long next = results.front();
      results.pop_front();
      if (next < 0) throw std::runtime_error("database down");
      return static_cast<std::size_t>(next);
    };
  }
};

const db::AuditRetention::Clock::time_point kStart{10h};

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_retention)

BOOST_AUTO_TEST_CASE(a_round_at_start_then_one_per_interval) {
  FakeDelete fake{{3, 0}, {}};
  db::AuditRetention retention(fake.function(), 10, 1h, 1min);
  const auto first = retention.step(kStart);  // at once, not an hour after start
  BOOST_TEST(first.deleted == 3u);
  BOOST_TEST(first.round_deleted.value_or(99) == 3u);
  BOOST_TEST(fake.calls == std::vector<std::size_t>{10}, boost::test_tools::per_element());

  const auto idle = retention.step(kStart + 59min);
  BOOST_TEST(idle.deleted == 0u);
  BOOST_TEST(!idle.round_deleted.has_value());
  BOOST_TEST(fake.calls.size() == 1u);

  const auto next = retention.step(kStart + 1h);
  BOOST_TEST(next.deleted == 0u);
  BOOST_TEST(next.round_deleted.value_or(99) == 0u);  // a round that found nothing
  BOOST_TEST(fake.calls.size() == 2u);
}

BOOST_AUTO_TEST_CASE(full_batches_go_on_one_step_at_a_time) {
  FakeDelete fake{{10, 10, 4}, {}};
  db::AuditRetention retention(fake.function(), 10, 1h, 1min);
  auto step = retention.step(kStart);
  BOOST_TEST(step.deleted == 10u);
  BOOST_TEST(!step.round_deleted.has_value());  // not done: the next step goes on
  step = retention.step(kStart + 1s);
  BOOST_TEST(step.deleted == 10u);
  BOOST_TEST(!step.round_deleted.has_value());
  step = retention.step(kStart + 2s);
  BOOST_TEST(step.deleted == 4u);
  BOOST_TEST(step.round_deleted.value_or(0) == 24u);
  BOOST_TEST(fake.calls.size() == 3u);
  BOOST_TEST(!retention.step(kStart + 3s).round_deleted.has_value());
  BOOST_TEST(fake.calls.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_failure_is_retried_later_and_the_round_keeps_its_count) {
  FakeDelete fake{{10, -1, 2}, {}};
  db::AuditRetention retention(fake.function(), 10, 1h, 1min);
  BOOST_TEST(retention.step(kStart).deleted == 10u);
  BOOST_CHECK_THROW(retention.step(kStart + 1s), std::runtime_error);
  BOOST_TEST(retention.step(kStart + 30s).deleted == 0u);  // waits for the retry
  BOOST_TEST(fake.calls.size() == 2u);
  const auto step = retention.step(kStart + 1s + 1min);
  BOOST_TEST(step.deleted == 2u);
  BOOST_TEST(step.round_deleted.value_or(0) == 12u);
}

BOOST_AUTO_TEST_SUITE_END()

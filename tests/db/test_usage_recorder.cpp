#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
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

  explicit RecorderFixture(int passwords = 50) {
    repository.create_user("alice", "", "");
    for (int i = 0; i < passwords; ++i) {
      ids.push_back(repository
                        .create_app_password("alice", "device " + std::to_string(i),
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

BOOST_AUTO_TEST_SUITE_END()

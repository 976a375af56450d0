// Last use of tokens against a real PostgreSQL: what the write-behind stores, when it holds a
// steady use back, and that it never loses or rewinds a use.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "auth/credential_store.hpp"
#include "auth/token.hpp"
#include "db/text.hpp"
#include "db/token_repository.hpp"
#include "db/token_use_recorder.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

struct TokenUseFixture : db_test::MigratedDatabase {
  db::ConnectionPool pool{database.url(), 2};
  db::TokenUseRecorder recorder{pool, 2s};
  db::TokenRepository tokens{*connection, "cli"};
  std::vector<std::int64_t> ids;

  TokenUseFixture() {
    repository.create_user("alice", "", "");
    for (int i = 0; i < 20; ++i) {
      const std::string token = auth::generate_token(auth::TokenKind::permanent);
      ids.push_back(
          tokens
              .create_permanent(
                  "alice", "sync " + std::to_string(i),
                  hasher.digest(auth::token_digest_label(auth::TokenKind::permanent), token),
                  std::nullopt, std::nullopt)
              .id);
    }
  }

  std::string column(const std::string& name, std::int64_t id) {
    return text("SELECT " + name + " FROM tokens WHERE id = " + std::to_string(id));
  }
  std::int64_t last_used_us(std::int64_t id) {
    return number(
        "SELECT (extract(epoch FROM last_used_at) * 1000000)::bigint FROM tokens "
        "WHERE id = " +
        std::to_string(id));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_use_recorder, TokenUseFixture)

BOOST_AUTO_TEST_CASE(a_use_is_written_with_its_time_and_address_all_tokens_in_one_statement) {
  BOOST_TEST(column("last_used_at", ids[0]) == "NULL");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    recorder.record(ids[i], "192.0.2.1");
    recorder.record(ids[i], "192.0.2." + std::to_string(i + 10));  // the latest use wins
  }
  BOOST_TEST(recorder.pending() == ids.size());
  BOOST_TEST(recorder.flush() == ids.size());
  BOOST_TEST(recorder.pending() == 0u);
  BOOST_TEST(column("last_used_from", ids[3]) == "192.0.2.13");
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE "
                    "last_used_at BETWEEN now() - interval '1 minute' AND now()") ==
             static_cast<std::int64_t>(ids.size()));
  BOOST_TEST(number("SELECT count(DISTINCT xmin::text) FROM tokens") == 1);  // one transaction
  BOOST_TEST(recorder.flush() == 0u);  // nothing pending: no statement at all
}

BOOST_AUTO_TEST_CASE(steady_use_is_held_back_until_the_refresh_interval_a_new_address_is_not) {
  const auto now = std::chrono::steady_clock::now();
  recorder.record(ids[0], "192.0.2.1");
  BOOST_TEST(recorder.flush(now) == 1u);  // first use: at once
  const auto first = last_used_us(ids[0]);
  recorder.record(ids[0], "192.0.2.1");
  BOOST_TEST(recorder.flush(now + 1s) == 0u);  // steady use: held back, still pending
  BOOST_TEST(recorder.pending() == 1u);
  BOOST_TEST(last_used_us(ids[0]) == first);
  BOOST_TEST(recorder.flush(now + 61s) == 1u);  // a minute on: the latest use is written
  BOOST_TEST(last_used_us(ids[0]) > first);
  BOOST_TEST(recorder.pending() == 0u);
  recorder.record(ids[0], "198.51.100.9");  // a new address: the next flush
  BOOST_TEST(recorder.flush(now + 62s) == 1u);
  BOOST_TEST(column("last_used_from", ids[0]) == "198.51.100.9");
}

BOOST_AUTO_TEST_CASE(an_older_use_never_overwrites_a_newer_one) {
  recorder.record(ids[0], "192.0.2.1");
  recorder.flush();
  // Another replica already stored a newer use.
  execute(
      "UPDATE tokens SET last_used_at = now() + interval '1 hour', "
      "last_used_from = '203.0.113.1' WHERE id = " +
      std::to_string(ids[0]));
  const std::string newer = column("last_used_at", ids[0]);
  recorder.record(ids[0], "203.0.113.5");
  BOOST_TEST(recorder.flush() == 1u);
  BOOST_TEST(column("last_used_from", ids[0]) == "203.0.113.1");
  BOOST_TEST(column("last_used_at", ids[0]) == newer);
}

BOOST_AUTO_TEST_CASE(a_failed_flush_keeps_the_batch_for_the_next_one) {
  recorder.record(ids[0], "192.0.2.1");
  execute("ALTER TABLE tokens RENAME COLUMN last_used_from TO from_gone");
  BOOST_CHECK_THROW(recorder.flush(), auth::StoreUnavailable);
  BOOST_TEST(recorder.pending() == 1u);
  recorder.record(ids[1], "192.0.2.2");  // recorded meanwhile: written with it
  execute("ALTER TABLE tokens RENAME COLUMN from_gone TO last_used_from");
  BOOST_TEST(recorder.flush() == 2u);
  BOOST_TEST(column("last_used_from", ids[0]) == "192.0.2.1");
  BOOST_TEST(column("last_used_from", ids[1]) == "192.0.2.2");
}

BOOST_AUTO_TEST_CASE(hostile_addresses_are_bound_and_stored_as_valid_text) {
  const std::string hostile = "x\", '{}') ; DROP TABLE users; -- \\ ,";
  recorder.record(ids[0], hostile);
  recorder.record(ids[1], "bad \xff byte\r\n");
  recorder.record(ids[2], std::string(200, 'a'));
  recorder.record(999'999, "192.0.2.1");  // a token deleted meanwhile: ignored
  BOOST_TEST(recorder.flush() == 4u);
  BOOST_TEST(number("SELECT count(*) FROM users") == 1);
  BOOST_TEST(column("last_used_from", ids[0]) == hostile);
  BOOST_TEST(column("last_used_from", ids[1]) == "bad ? byte??");
  BOOST_TEST(column("length(last_used_from)", ids[2]) ==
             std::to_string(db::TokenUseRecorder::kMaxAddressBytes));
}

// Addresses travel as one text[] parameter: PostgreSQL must read back exactly what was sent.
BOOST_AUTO_TEST_CASE(text_array_literal_round_trips_through_postgresql) {
  const std::vector<std::string> items{"",     "a,b",      "{x}",     "q\"uote", "back\\slash",
                                       "NULL", " spaced ", "\xc3\xa9"};
  const auto read_back = [&](const std::vector<std::string>& sent) {
    pqxx::nontransaction tx(*connection);
    std::vector<std::string> got;
    for (const auto& row : tx.exec_params("SELECT e FROM unnest($1::text[]) WITH ORDINALITY "
                                          "AS t (e, n) ORDER BY n",
                                          db::text_array_literal(sent))) {
      got.push_back(row[0].is_null() ? "<null>" : row[0].as<std::string>());
    }
    return got;
  };
  BOOST_TEST(read_back(items) == items, boost::test_tools::per_element());
  BOOST_TEST(read_back({}).empty());
}

BOOST_AUTO_TEST_SUITE_END()

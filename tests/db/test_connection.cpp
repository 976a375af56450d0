#include <boost/test/unit_test.hpp>
#include <chrono>
#include <pqxx/pqxx>
#include <thread>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/connection_pool.hpp"
#include "db/pg_credential_store.hpp"
#include "db/text.hpp"
#include "db/timestamp.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

// Nothing listens on port 1 of the loopback address: connecting is refused at once.
const std::string kDeadUrl = "postgresql://latchkey:S3cret%21pw@127.0.0.1:1/postgres";

int terminate_other_backends(db_test::MigratedDatabase& f) {
  return static_cast<int>(
      f.number("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
               "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(connection)

BOOST_AUTO_TEST_CASE(redact_url_hides_passwords) {
  BOOST_TEST(db::redact_url("postgresql://bob:hunter2@db:5432/app") ==
             "postgresql://bob:***@db:5432/app");
  BOOST_TEST(db::redact_url("postgres://bob@db/app?sslmode=require&password=hunter2") ==
             "postgres://bob@db/app?sslmode=require&password=***");
  BOOST_TEST(db::redact_url("host=db user=bob password='hun ter2' dbname=app") ==
             "host=db user=bob password=*** dbname=app");
  BOOST_TEST(db::redact_url("host=db password = hunter2") == "host=db password = ***");
  BOOST_TEST(db::redact_url("postgresql://bob@db/app") == "postgresql://bob@db/app");
  BOOST_TEST(db::redact_url("postgresql://bob:p%40ss@db/app") == "postgresql://bob:***@db/app");
}

BOOST_AUTO_TEST_CASE(scrub_message_is_one_line_without_password) {
  const std::string url = "postgresql://bob:p%40ss@db/app";
  BOOST_TEST(db::scrub_message("FATAL: p@ss is wrong\n\tfor p%40ss\n", url) ==
             "FATAL: *** is wrong for ***");
  BOOST_TEST(db::scrub_message("line one\nline two\n", "") == "line one line two");
}

BOOST_AUTO_TEST_CASE(open_connection_failure_names_url_but_not_password) {
  try {
    db::open_connection(kDeadUrl);
    BOOST_FAIL("connected to a dead port");
  } catch (const auth::StoreUnavailable& e) {
    const std::string message = e.what();
    BOOST_TEST(message.find("S3cret") == std::string::npos, message);
    BOOST_TEST(message.find("127.0.0.1:1") != std::string::npos, message);
    BOOST_TEST(message.find('\n') == std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(pool_constructs_while_server_is_down) {
  db::ConnectionPool pool(kDeadUrl, 2);
  BOOST_TEST(pool.open_connections() == 0);
  BOOST_TEST(pool.redacted_url().find("S3cret") == std::string::npos);
  BOOST_CHECK_THROW(pool.acquire(100ms), auth::StoreUnavailable);
  BOOST_TEST(pool.open_connections() == 0);  // the failed attempt gave its slot back
  db::PgCredentialStore store(pool, 100ms);
  BOOST_CHECK_THROW(store.find_user("alice"), auth::StoreUnavailable);
}

BOOST_FIXTURE_TEST_CASE(pool_waits_then_fails_when_exhausted, db_test::MigratedDatabase) {
  db::ConnectionPool pool(database.url(), 1);
  auto lease = pool.acquire(1s);
  const auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(pool.acquire(150ms), auth::StoreUnavailable);
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 150ms));

  std::thread release([&] {
    std::this_thread::sleep_for(100ms);
    auto done = std::move(lease);
  });
  auto second = pool.acquire(5s);  // handed over when the first lease goes
  release.join();
  BOOST_TEST(second.reused());
  BOOST_TEST(pool.open_connections() == 1);
}

BOOST_FIXTURE_TEST_CASE(pool_reconnects_after_backends_are_terminated, db_test::MigratedDatabase) {
  repository.create_user("alice", "", "");
  db::ConnectionPool pool(database.url(), 2);
  db::PgCredentialStore store(pool, 1s);
  {
    // Warm both connections so that both sit idle in the pool.
    auto a = pool.acquire(1s);
    auto b = pool.acquire(1s);
  }
  BOOST_TEST(pool.open_connections() == 2);
  BOOST_TEST(terminate_other_backends(*this) >= 2);
  std::this_thread::sleep_for(100ms);  // let the backends exit

  // Each lookup meets a dead idle connection, drops it and retries on a fresh one.
  for (int i = 0; i < 4; ++i) {
    const auto user = store.find_user("ALICE");
    BOOST_REQUIRE(user.has_value());
    BOOST_TEST(user->username == "alice");
  }
  BOOST_TEST(pool.open_connections() >= 1);
  BOOST_TEST(pool.open_connections() <= 2);

  // A lease used directly sees the broken connection once, then the pool heals too.
  terminate_other_backends(*this);
  std::this_thread::sleep_for(100ms);
  int failures = 0;
  for (int i = 0; i < 3; ++i) {
    try {
      auto lease = pool.acquire(1s);
      try {
        pqxx::nontransaction tx(lease.connection());
        tx.exec1("SELECT 1");
      } catch (const pqxx::broken_connection&) {
        lease.discard();
        throw;
      }
    } catch (const pqxx::broken_connection&) {
      ++failures;
    }
  }
  BOOST_TEST(failures <= 2);
  auto lease = pool.acquire(1s);
  pqxx::nontransaction tx(lease.connection());
  BOOST_TEST(tx.exec1("SELECT 1")[0].as<int>() == 1);
}

BOOST_AUTO_TEST_CASE(sanitize_text_keeps_utf8_whole) {
  BOOST_TEST(db::sanitize_text("curl/8.0", 256) == "curl/8.0");
  BOOST_TEST(db::sanitize_text("a\x01"
                               "b\xff"
                               "c",
                               256) == "a?b?c");
  BOOST_TEST(db::sanitize_text("\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9");  // never half an é
  BOOST_TEST(db::sanitize_text(std::string(300, 'x'), 256).size() == 256u);
  BOOST_TEST(
      db::is_valid_utf8("gr\xc3\xbc\xc3\x9f"
                        "e"));
  BOOST_TEST(!db::is_valid_utf8("\xed\xa0\x80"));  // a UTF-16 surrogate
  BOOST_TEST(!db::is_valid_utf8("\xc0\xaf"));      // overlong '/'
}

BOOST_AUTO_TEST_CASE(hex_round_trip) {
  const std::string bytes("\x00\x01\xfe\xff", 4);
  BOOST_TEST(db::hex_encode(bytes) == "0001feff");
  BOOST_TEST(db::hex_decode("0001FEff") == bytes);
  BOOST_CHECK_THROW(db::hex_decode("0g"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(iso8601_is_utc) {
  BOOST_TEST(db::to_iso8601(db::from_unix_micros(0)) == "1970-01-01T00:00:00Z");
  BOOST_TEST(db::to_iso8601(db::from_unix_micros(1'714'566'896'999'999)) == "2024-05-01T12:34:56Z");
}

BOOST_AUTO_TEST_SUITE_END()

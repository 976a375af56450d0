#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "auth/verified_cache.hpp"
#include "db/credential_change_listener.hpp"
#include "db/statements.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The test cluster trusts 127.0.0.1, so a password in the URL is never asked for: it is
// there only to prove that no error message repeats it ("Listen!S3cret", percent-encoded).
std::string with_password(const std::string& url) {
  const std::size_t authority = url.find("://") + 3;
  const std::size_t at = url.find('@', authority);
  BOOST_TEST_REQUIRE(at != std::string::npos, "test cluster URL without a user: " + url);
  BOOST_TEST_REQUIRE(url.substr(authority, at - authority).find(':') == std::string::npos);
  return url.substr(0, at) + ":Listen%21S3cret" + url.substr(at);
}

long long milliseconds_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// What the listener reported, with waits that end as soon as a condition holds.
struct Recorder {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::int64_t> users;
  int resyncs = 0;
  std::vector<std::string> errors;

  std::function<void(std::int64_t)> on_user_changed() {
    return [this](std::int64_t id) { record([&] { users.push_back(id); }); };
  }
  std::function<void()> on_resync() {
    return [this] { record([&] { ++resyncs; }); };
  }
  std::function<void(const std::string&)> on_error() {
    return [this](const std::string& message) { record([&] { errors.push_back(message); }); };
  }

  template <class Change>
  void record(Change change) {
    {
      std::lock_guard lock(mutex);
      change();
    }
    changed.notify_all();
  }

  // Waits until `condition` (called under the lock) holds; false on timeout.
  template <class Condition>
  bool wait_until(Condition condition, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, condition);
  }

  std::vector<std::int64_t> users_seen() {
    std::lock_guard lock(mutex);
    return users;
  }
  std::vector<std::string> errors_seen() {
    std::lock_guard lock(mutex);
    return errors;
  }
};

struct Fixture : db_test::MigratedDatabase {
  Recorder recorder;

  std::unique_ptr<db::CredentialChangeListener> start_listener(const std::string& url) {
    return std::make_unique<db::CredentialChangeListener>(
        url, recorder.on_user_changed(), recorder.on_resync(), recorder.on_error());
  }

  std::int64_t listener_count() {
    return number(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = '" +
        std::string(db::kListenerApplicationName) + "'");
  }

  // The pid of the one backend serving a listener in this test's database.
  std::int64_t listener_pid() {
    return number(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = '" +
        std::string(db::kListenerApplicationName) + "'");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(credential_change_listener, Fixture)

BOOST_AUTO_TEST_CASE(revocation_reaches_the_listener_within_a_second) {
  const auto alice = repository.create_user("alice", "", "");
  const auto bob = repository.create_user("bob", "", "");
  repository.create_app_password("alice", "laptop", digest_of("x"));
  auto listener = start_listener(database.url());
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.resyncs == 1; }));
  BOOST_TEST(listener->connected());

  const auto revoked_at = Clock::now();
  repository.revoke_app_password("alice", "laptop");
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return !recorder.users.empty(); }, 1s));
  BOOST_TEST(milliseconds_since(revoked_at) < 1000);
  BOOST_TEST(recorder.users_seen() == std::vector<std::int64_t>{alice.id});

  // Payloads that are not a user id are ignored; the ones after them still arrive.
  execute("NOTIFY " + std::string(db::kCredentialsChangedChannel) + ", 'not-a-number'");
  execute("NOTIFY " + std::string(db::kCredentialsChangedChannel) + ", '12x'");
  execute("NOTIFY " + std::string(db::kCredentialsChangedChannel) + ", '-3'");
  execute("NOTIFY " + std::string(db::kCredentialsChangedChannel));
  repository.set_password("bob", "h");
  repository.disable_user("alice");
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.users.size() >= 3; }, 1s));
  BOOST_TEST(recorder.users_seen() == (std::vector<std::int64_t>{alice.id, bob.id, alice.id}));
  BOOST_TEST(recorder.resyncs == 1);
  BOOST_TEST(recorder.errors_seen().empty());
}

BOOST_AUTO_TEST_CASE(wired_to_the_cache_a_revocation_drops_the_cached_entry) {
  const auto alice = repository.create_user("alice", "", "");
  repository.create_app_password("alice", "laptop", digest_of("x"));
  auth::VerifiedCache cache(std::string(32, 'k'), 60s, 100);
  auth::Identity identity;
  identity.user_id = alice.id;
  identity.username = "alice";
  // As app/command_serve.cpp wires it.
  db::CredentialChangeListener listener(
      database.url(), [&cache](std::int64_t id) { cache.erase_user(id); },
      [&cache, this] {
        cache.clear();
        recorder.on_resync()();
      });
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.resyncs == 1; }));
  const std::uint64_t before_revocation = cache.generation();
  cache.insert("alice", "laptop-secret", identity, before_revocation);
  BOOST_TEST_REQUIRE(cache.find("alice", "laptop-secret").has_value());

  repository.revoke_app_password("alice", "laptop");
  const auto deadline = Clock::now() + 1s;
  while (cache.find("alice", "laptop-secret") && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  BOOST_TEST(!cache.find("alice", "laptop-secret").has_value());
  // A verification that read the database before the revocation is not cached after it.
  cache.insert("alice", "laptop-secret", identity, before_revocation);
  BOOST_TEST(!cache.find("alice", "laptop-secret").has_value());
}

BOOST_AUTO_TEST_CASE(a_terminated_backend_is_replaced_and_resynced) {
  const auto alice = repository.create_user("alice", "", "");
  repository.create_app_password("alice", "laptop", digest_of("x"));
  repository.create_app_password("alice", "phone", digest_of("y"));
  auto listener = start_listener(with_password(database.url()));
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.resyncs == 1; }));
  const std::int64_t first_pid = listener_pid();

  BOOST_TEST(number("SELECT pg_terminate_backend(" + std::to_string(first_pid) + ")::int") == 1);
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.resyncs == 2; }));
  BOOST_TEST(listener->connected());
  BOOST_TEST(listener_pid() != first_pid);

  repository.revoke_app_password("alice", "laptop");
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return !recorder.users.empty(); }, 1s));
  BOOST_TEST(recorder.users_seen() == std::vector<std::int64_t>{alice.id});

  // Once more: recovery is not a one-off.
  execute("SELECT pg_terminate_backend(" + std::to_string(listener_pid()) + ")");
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.resyncs == 3; }));
  repository.revoke_app_password("alice", "phone");
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.users.size() == 2; }, 1s));

  const auto errors = recorder.errors_seen();
  BOOST_TEST(errors.size() == 2u);  // one per loss
  for (const std::string& message : errors) {
    BOOST_TEST(message.find("lost the connection") != std::string::npos, message);
    // The reason is the server's, not libpqxx's bare "Connection to database failed".
    BOOST_TEST(message.find("administrator command") != std::string::npos, message);
    BOOST_TEST(message.find(database.name()) != std::string::npos, message);  // names the URL
    BOOST_TEST(message.find("S3cret") == std::string::npos, message);
    BOOST_TEST(message.find('\n') == std::string::npos, message);
  }
}

BOOST_AUTO_TEST_CASE(stop_is_prompt_while_listening) {
  auto listener = start_listener(database.url());
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.resyncs == 1; }));
  const auto started = Clock::now();
  listener->stop();
  BOOST_TEST(milliseconds_since(started) < 1000);
  BOOST_TEST(!listener->connected());
  listener->stop();  // idempotent
  // The connection is closed, not left LISTENing (its backend exits shortly after).
  const auto closed = Clock::now();
  while (listener_count() > 0 && milliseconds_since(closed) < 2000) {
    std::this_thread::sleep_for(10ms);
  }
  BOOST_TEST(listener_count() == 0);
  const auto destroyed = Clock::now();
  listener.reset();
  BOOST_TEST(milliseconds_since(destroyed) < 1000);
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_is_retried_with_backoff_and_stop_is_prompt) {
  // Nothing listens on port 1 of the loopback address: connecting is refused at once.
  auto listener = start_listener("postgresql://latchkey:Listen%21S3cret@127.0.0.1:1/postgres");
  std::this_thread::sleep_for(1500ms);
  BOOST_TEST(!listener->connected());
  const auto started = Clock::now();
  listener.reset();  // the destructor stops it, mid-backoff
  BOOST_TEST(milliseconds_since(started) < 1000);

  BOOST_TEST(recorder.resyncs == 0);
  BOOST_TEST(recorder.users.empty());
  const auto errors = recorder.errors_seen();
  // Attempts at about 0, 0.2, 0.6 and 1.4 s; without backoff there would be 8.
  BOOST_TEST(errors.size() >= 2u);
  BOOST_TEST(errors.size() <= 5u);
  for (const std::string& message : errors) {
    BOOST_TEST(message.find("127.0.0.1:1") != std::string::npos, message);
    BOOST_TEST(message.find("S3cret") == std::string::npos, message);
    BOOST_TEST(message.find("Listen!") == std::string::npos, message);
  }
  if (errors.size() >= 2) {
    BOOST_TEST(errors[0].find("retrying in 200 ms") != std::string::npos, errors[0]);
    BOOST_TEST(errors[1].find("retrying in 400 ms") != std::string::npos, errors[1]);
  }
}

BOOST_AUTO_TEST_CASE(a_throwing_callback_is_reported_and_listening_goes_on) {
  const auto alice = repository.create_user("alice", "", "");
  repository.create_app_password("alice", "laptop", digest_of("x"));
  repository.create_app_password("alice", "phone", digest_of("y"));
  int calls = 0;
  db::CredentialChangeListener listener(
      database.url(),
      [&](std::int64_t id) {
        recorder.on_user_changed()(id);
        if (++calls == 1) throw std::runtime_error("cache exploded");
      },
      recorder.on_resync(), recorder.on_error());
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.resyncs == 1; }));
  repository.revoke_app_password("alice", "laptop");
  repository.revoke_app_password("alice", "phone");
  BOOST_TEST_REQUIRE(recorder.wait_until([&] { return recorder.users.size() == 2; }, 1s));
  BOOST_TEST(recorder.wait_until([&] { return !recorder.errors.empty(); }, 1s));
  const auto errors = recorder.errors_seen();
  BOOST_TEST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].find("cache exploded") != std::string::npos, errors[0]);
  BOOST_TEST(listener.connected());
  BOOST_TEST(recorder.resyncs == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// DESIGN.md §5.4-5.5 from the client's side: failure budgets answer 429 with Retry-After before
// any database work, an account locks after consecutive failures (refusing even the right
// password) until it ends by itself or an admin unlocks it, and a proven credential in the
// cache keeps working for its owner during a storm.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <boost/json/parse.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

namespace {

DeploymentOptions strict_budgets(const std::string& brute_force) {
  DeploymentOptions options;
  options.brute_force = brute_force;
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(brute_force)

// A cached credential waits too: were it exempt, 200-versus-429 would tell an attacker which
// guess matches the cache.
BOOST_AUTO_TEST_CASE(address_over_budget_gets_429_for_every_credential) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 5, per_minute: 1 }, per_account: { burst: 1000, per_minute: 1000 },"
      " lock_after: 100 }"));
  d.add_user("uma", "uma-account-pw", true);
  const std::string uma = d.new_app_password("uma", "phone");
  BOOST_TEST(d.curl("/x", {"-u", "uma:" + uma}).status == 200);  // now cached
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(d.curl("/x", {"-u", "mallory" + std::to_string(i) + ":guess"}).status == 401);
  }
  const auto throttled = d.curl("/x", {"-u", "mallory:guess"});
  BOOST_TEST(throttled.status == 429);
  BOOST_TEST(std::stoi(throttled.header("Retry-After")) >= 1);
  // A right but uncached credential from the same address waits too: no database work at all.
  d.add_user("vic", "vic-account-pw", true);
  const std::string vic = d.new_app_password("vic", "laptop");
  BOOST_TEST(d.curl("/x", {"-u", "vic:" + vic}).status == 429);
  BOOST_TEST(d.curl("/x", {"-u", "uma:" + uma}).status == 429);  // cached, still no oracle
  BOOST_TEST(d.curl("/static/public").status == 200);            // routes without auth serve
  BOOST_TEST(d.log_contains("address_over_budget"));
  const ProcessResult metrics = d.admin_get("/metrics");
  BOOST_TEST(metrics.out.find("latchkey_auth_denied_total{reason=\"address_over_budget\"}") !=
             std::string::npos);
}

// A client that ignores Retry-After gets its 429 only after over_budget_delay: a storm then
// gets one answer per connection per delay, while other requests are served meanwhile.
BOOST_AUTO_TEST_CASE(over_budget_answers_are_held_while_others_are_served) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 2, per_minute: 1 }, per_account: { burst: 1000, per_minute: 1000 },"
      " lock_after: 100, over_budget_delay: 1500ms }"));
  for (int i = 0; i < 2; ++i) {
    BOOST_TEST(d.curl("/x", {"-u", "mallory" + std::to_string(i) + ":guess"}).status == 401);
  }
  const auto started = std::chrono::steady_clock::now();
  auto held = std::async(std::launch::async, [&d] { return d.curl("/x", {"-u", "mallory:guess"}); });
  // Served while the 429 is still being held on the same IO thread.
  BOOST_TEST(d.curl("/static/public").status == 200);
  BOOST_TEST((held.wait_for(std::chrono::seconds(0)) == std::future_status::timeout));
  const auto throttled = held.get();
  const auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST(throttled.status == 429);
  BOOST_TEST(std::stoi(throttled.header("Retry-After")) >= 1);
  BOOST_TEST(took >= std::chrono::milliseconds(1500));
  BOOST_TEST(d.log_contains("address_over_budget"));
}

BOOST_AUTO_TEST_CASE(account_locks_after_consecutive_failures_and_unlock_ends_it) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 1000,"
      " per_minute: 1000 }, lock_after: 3, lock_duration: 10m, lock_duration_max: 1h }"));
  d.add_user("sam", "sam-account-pw", false);  // no TOTP: account password allowed here
  for (int i = 0; i < 3; ++i) BOOST_TEST(d.curl("/x", {"-u", "sam:wrong"}).status == 401);
  // Failures are written after the answer: under load the next request could overtake the
  // third one's write, so wait for the lock before trying the right password.
  std::string lock_written;
  for (int i = 0; i < 60 && lock_written != "t"; ++i) {
    lock_written = d.database().query_value(
        "SELECT locked_until IS NOT NULL FROM users WHERE username = 'sam'");
    if (lock_written != "t") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto locked = d.curl("/x", {"-u", "sam:sam-account-pw"});  // the right one
  BOOST_TEST(locked.status == 429);
  BOOST_TEST(std::stoi(locked.header("Retry-After")) > 60);
  const auto listed = boost::json::parse(d.cli({"user", "list", "--json"}).out);
  bool shows_lock = false;
  for (const auto& user : listed.as_array()) {
    if (user.at("username").as_string() == "sam") shows_lock = !user.at("locked_until").is_null();
  }
  BOOST_TEST(shows_lock);
  BOOST_TEST(d.cli({"audit", "sam"}).out.find("account.locked") != std::string::npos);
  // Refusals reach the audit log written behind, aggregated, within the flush interval.
  std::string audit;
  for (int i = 0; i < 40 && audit.find("login.refused") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    audit = d.cli({"audit", "sam"}).out;
  }
  BOOST_TEST(audit.find("login.refused") != std::string::npos);
  BOOST_TEST(audit.find("bad_password") != std::string::npos);
  BOOST_TEST(audit.find("sam-account-pw") == std::string::npos);
  BOOST_REQUIRE(d.cli({"user", "unlock", "sam"}).exit_code == 0);
  BOOST_TEST(d.curl("/x", {"-u", "sam:sam-account-pw"}).status == 200);
}

// A name that is no account may be a password typed in the wrong field: the audit log keeps
// a fingerprint of it, and `audit --tried NAME` finds the refusals by the name all the same.
BOOST_AUTO_TEST_CASE(refusals_under_unknown_names_are_found_by_tried_but_never_stored) {
  Deployment d;
  d.add_user("sam", "sam-account-pw", false);
  BOOST_TEST(d.curl("/x", {"-u", "Sam-Typed-Pw-3x9q:sam"}).status == 401);
  BOOST_TEST(d.curl("/x", {"-u", "SAM:wrong"}).status == 401);
  std::string tried;
  for (int i = 0; i < 60 && tried.find("login.refused") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    tried = d.cli({"audit", "--tried", "sam-typed-pw-3X9Q"}).out;  // case as an account name
  }
  BOOST_TEST(tried.find("unknown_user") != std::string::npos, tried);
  BOOST_TEST(tried.find("username_fingerprint") != std::string::npos, tried);
  BOOST_TEST(tried.find("bad_password") == std::string::npos, tried);  // sam's is not this name

  std::string sam;
  for (int i = 0; i < 60 && sam.find("bad_password") == std::string::npos; ++i) {
    sam = d.cli({"audit", "--tried", "sam", "--json"}).out;
    if (sam.find("bad_password") == std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  const auto sam_events = boost::json::parse(sam).as_array();
  BOOST_REQUIRE(sam_events.size() == 1u);  // the refusal, not sam's user.created
  BOOST_TEST(sam_events[0].at("username").as_string() == "sam");
  BOOST_TEST(sam_events[0].at("detail").at("username").as_string() == "SAM");  // as typed

  const std::string stored = d.database().query_value(
      "SELECT lower(string_agg(detail::text || username || source, ' ')) FROM audit_events");
  BOOST_TEST_REQUIRE(stored.find("unknown_user") != std::string::npos);
  BOOST_TEST(stored.find("typed-pw") == std::string::npos, stored);
  BOOST_TEST(d.cli({"audit", "--json"}).out.find("Typed-Pw") == std::string::npos);
  BOOST_TEST(d.cli({"audit", "--tried", "nobody-tried-this"}).out.find("login.refused") ==
             std::string::npos);
  const auto empty = d.cli({"audit", "--tried", ""});
  BOOST_TEST(empty.exit_code == 2);
  BOOST_TEST(empty.err.find("--tried takes a name of 1 to 1024 bytes") != std::string::npos,
             empty.err);
}

BOOST_AUTO_TEST_CASE(bad_check_symbols_count_against_the_address_only) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 2,"
      " per_minute: 1 }, lock_after: 100 }"));
  d.add_user("tom", "tom-account-pw", true);
  const std::string tom = d.new_app_password("tom", "ci bot");
  // /strict accepts only application passwords: these cannot be anyone's, so no account pays.
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(d.curl("/strict/x", {"-u", "tom:aaaa-aaaa-aaaa-aaaa"}).status == 401);
  }
  BOOST_TEST(d.curl("/strict/x", {"-u", "tom:" + tom}).status == 200);
  // Real guesses at the account do spend its budget.
  BOOST_TEST(d.curl("/x", {"-u", "tom:guess-1"}).status == 401);
  BOOST_TEST(d.curl("/x", {"-u", "tom:guess-2"}).status == 401);
  BOOST_TEST(d.curl("/x", {"-u", "tom:guess-3"}).status == 429);
  BOOST_TEST(d.log_contains("account_over_budget"));
}

// Concurrent guesses reserve their tokens before verifying: a burst of parallel attempts
// gets no more real answers than the budget allows.
BOOST_AUTO_TEST_CASE(parallel_guesses_cannot_outrun_the_budget) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 5, per_minute: 1 }, per_account: { burst: 1000, per_minute: 1000 },"
      " lock_after: 100 }"));
  // Thirty distinct guesses, each in its own connection, all at once.
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "60", "--parallel",
                                "--parallel-immediate", "--parallel-max", "30"};
  for (int i = 0; i < 30; ++i) {
    argv.insert(argv.end(), {"-u", "mallory:guess-" + std::to_string(i), "-w", "<%{http_code}>",
                             "-o", "/dev/null", d.base_url() + "/x?" + std::to_string(i), "--next"});
  }
  argv.pop_back();  // no --next after the last transfer
  const ProcessResult result = run_process(argv);
  std::size_t answered_401 = 0;
  for (auto pos = result.out.find("<401>"); pos != std::string::npos;
       pos = result.out.find("<401>", pos + 1)) {
    ++answered_401;
  }
  BOOST_TEST(answered_401 <= 5u, result.out);
  BOOST_TEST(result.out.find("<429>") != std::string::npos);
}

// The owner's parallel connections all miss the cache together when its entry expires: they
// are one attempt, reserve budget once, and none of them is throttled.
BOOST_AUTO_TEST_CASE(parallel_requests_with_the_right_password_are_never_throttled) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 2, per_minute: 1 }, per_account: { burst: 2, per_minute: 1 },"
      " lock_after: 100 }"));
  d.add_user("xena", "xena-account-pw", true);
  const std::string xena = d.new_app_password("xena", "sync");
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "60", "--parallel",
                                "--parallel-immediate", "--parallel-max", "20"};
  for (int i = 0; i < 20; ++i) {
    argv.insert(argv.end(), {"-u", "xena:" + xena, "-w", "<%{http_code}>", "-o", "/dev/null",
                             d.base_url() + "/p?" + std::to_string(i), "--next"});
  }
  argv.pop_back();
  const ProcessResult result = run_process(argv);
  BOOST_TEST(result.out.find("<429>") == std::string::npos, result.out);
  std::size_t ok = 0;
  for (auto pos = result.out.find("<200>"); pos != std::string::npos;
       pos = result.out.find("<200>", pos + 1)) {
    ++ok;
  }
  BOOST_TEST(ok == 20u);
}

// One guess sent on many connections at once is one attempt: verified once, one budget token,
// one count towards the lock; the copies wait for its answer instead of each taking a worker.
BOOST_AUTO_TEST_CASE(copies_of_one_guess_in_parallel_are_verified_once) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 5, per_minute: 1 }, per_account: { burst: 5, per_minute: 1 },"
      " lock_after: 5, lock_duration: 10m }"));
  d.add_user("yuri", "yuri-account-pw", false);  // a wrong account password costs an Argon2 run
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "60", "--parallel",
                                "--parallel-immediate", "--parallel-max", "30"};
  for (int i = 0; i < 30; ++i) {
    argv.insert(argv.end(), {"-u", "yuri:the-same-guess", "-w", "<%{http_code}>", "-o",
                             "/dev/null", d.base_url() + "/g?" + std::to_string(i), "--next"});
  }
  argv.pop_back();
  const ProcessResult result = run_process(argv);
  std::size_t refused = 0;
  for (auto pos = result.out.find("<401>"); pos != std::string::npos;
       pos = result.out.find("<401>", pos + 1)) {
    ++refused;
  }
  BOOST_TEST(refused == 30u, result.out);
  // Each verification counts one failure: had each copy been verified, 30 would have locked the
  // account (lock_after: 5); curl's connections may come in a few flights, never 30.
  BOOST_TEST(d.curl("/x", {"-u", "yuri:yuri-account-pw"}).status == 200);
}

// A lock ends the account's cached credentials too (NOTIFY), so the right password, cached a
// moment ago, is refused until the lock ends.
BOOST_AUTO_TEST_CASE(a_lock_also_ends_cached_credentials) {
  Deployment d(strict_budgets(
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 1000,"
      " per_minute: 1000 }, lock_after: 3, lock_duration: 10m }"));
  d.add_user("wendy", "wendy-account-pw", false);
  BOOST_TEST(d.curl("/x", {"-u", "wendy:wendy-account-pw"}).status == 200);  // cached now
  for (int i = 0; i < 3; ++i) BOOST_TEST(d.curl("/x", {"-u", "wendy:wrong"}).status == 401);
  int status = 200;
  for (int i = 0; i < 40 && status != 429; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = d.curl("/x", {"-u", "wendy:wendy-account-pw"}).status;
  }
  BOOST_TEST(status == 429);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

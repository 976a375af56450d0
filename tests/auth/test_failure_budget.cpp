#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth/failure_budget.hpp"

using namespace latchkey::auth;
using namespace std::chrono_literals;
using Clock = FailureBudgets::Clock;

namespace {

const Clock::time_point kStart = Clock::time_point{} + 1h;

// Spends `count` failures of `key` at `now`.
void spend(FailureBudgets& budgets, std::string_view key, int count, Clock::time_point now) {
  for (int i = 0; i < count; ++i) budgets.spend(key, now);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(failure_budget)

BOOST_AUTO_TEST_CASE(a_burst_then_refusal_with_retry_after) {
  FailureBudgets budgets({5, 6});  // 5 at once, then one every 10 s
  BOOST_TEST(!budgets.exhausted("198.51.100.7", kStart).has_value());
  for (int i = 0; i < 4; ++i) {
    budgets.spend("198.51.100.7", kStart);
    BOOST_TEST(!budgets.exhausted("198.51.100.7", kStart).has_value(), "after " << i + 1);
  }
  budgets.spend("198.51.100.7", kStart);
  const auto wait = budgets.exhausted("198.51.100.7", kStart);
  BOOST_TEST_REQUIRE(wait.has_value());
  BOOST_TEST(wait->count() == 10'000);
  BOOST_TEST(budgets.exhausted("198.51.100.7", kStart + 4s).value_or(0ms).count() == 6'000);
}

BOOST_AUTO_TEST_CASE(tokens_refill_continuously) {
  FailureBudgets budgets({2, 60});  // one token per second
  spend(budgets, "k", 2, kStart);
  BOOST_TEST(budgets.exhausted("k", kStart + 500ms).value_or(0ms).count() == 500);
  BOOST_TEST(!budgets.exhausted("k", kStart + 1s).has_value());
  budgets.spend("k", kStart + 1s);
  BOOST_TEST(budgets.exhausted("k", kStart + 1s).value_or(0ms).count() == 1'000);
  // Refill stops at the burst: a long pause allows 2 failures, not more.
  spend(budgets, "k", 2, kStart + 1h);
  BOOST_TEST(budgets.exhausted("k", kStart + 1h).has_value());
}

BOOST_AUTO_TEST_CASE(an_empty_bucket_takes_no_debt) {
  FailureBudgets budgets({1, 60});
  spend(budgets, "k", 50, kStart);  // refused attempts the caller still reported
  BOOST_TEST(budgets.exhausted("k", kStart).value_or(0ms).count() == 1'000);
  BOOST_TEST(!budgets.exhausted("k", kStart + 1s).has_value());
}

BOOST_AUTO_TEST_CASE(slow_rates_give_long_waits) {
  FailureBudgets budgets({1, 0.5});  // one failure every two minutes
  budgets.spend("alice", kStart);
  BOOST_TEST(budgets.exhausted("alice", kStart).value_or(0ms).count() == 120'000);
  BOOST_TEST(budgets.exhausted("alice", kStart + 90s).value_or(0ms).count() == 30'000);
}

BOOST_AUTO_TEST_CASE(keys_are_independent) {
  FailureBudgets budgets({2, 1});
  spend(budgets, "alice", 2, kStart);
  BOOST_TEST(budgets.exhausted("alice", kStart).has_value());
  BOOST_TEST(!budgets.exhausted("bob", kStart).has_value());
  BOOST_TEST(!budgets.exhausted("alic", kStart).has_value());
  budgets.spend("bob", kStart);
  BOOST_TEST(!budgets.exhausted("bob", kStart).has_value());
  BOOST_TEST(budgets.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_clock_read_before_another_threads_is_harmless) {
  FailureBudgets budgets({2, 60});
  budgets.spend("k", kStart + 1s);
  budgets.spend("k", kStart);  // an earlier reading arrives later: no refill, no rewind
  BOOST_TEST(budgets.exhausted("k", kStart + 1s).value_or(0ms).count() == 1'000);
}

BOOST_AUTO_TEST_CASE(memory_is_bounded_under_a_storm_of_fresh_keys) {
  FailureBudgets budgets({FailureBudgetLimits{3, 0.01, 1'000, 16}});
  BOOST_TEST(budgets.limits().max_keys <= 1'000u);
  spend(budgets, "victim", 3, kStart);
  for (int i = 0; i < 100'000; ++i) {
    budgets.spend("203.0.113." + std::to_string(i), kStart + std::chrono::milliseconds(i));
  }
  BOOST_TEST(budgets.size() <= 1'000u);
  BOOST_TEST(budgets.size() >= 900u);
  // The fresh keys each have tokens left, so the drained bucket is never the one to go.
  BOOST_TEST(budgets.exhausted("victim", kStart + 100s).has_value());
}

BOOST_AUTO_TEST_CASE(eviction_drops_a_bucket_that_is_full_again_first) {
  FailureBudgets budgets({FailureBudgetLimits{3, 60, 3, 1}});  // one shard of three keys
  spend(budgets, "drained", 3, kStart);  // least recently spent; one token back at +1s
  budgets.spend("old", kStart);          // full again at +1s
  budgets.spend("recent", kStart + 1s);
  budgets.spend("new", kStart + 1s);
  BOOST_TEST(budgets.size() == 3u);
  // Plain LRU would have forgotten "drained"; it is still tracked with its one token.
  budgets.spend("drained", kStart + 1s);
  BOOST_TEST(budgets.exhausted("drained", kStart + 1s).has_value());
  spend(budgets, "recent", 2, kStart + 1s);
  BOOST_TEST(budgets.exhausted("recent", kStart + 1s).has_value());
  BOOST_TEST(budgets.size() == 3u);
}

BOOST_AUTO_TEST_CASE(eviction_takes_the_fullest_of_the_oldest_not_a_drained_one) {
  FailureBudgets budgets({FailureBudgetLimits{3, 0.01, 3, 1}});
  spend(budgets, "drained", 3, kStart);  // least recently spent, and empty
  budgets.spend("fuller", kStart);       // 2 left
  spend(budgets, "emptier", 2, kStart);  // 1 left
  budgets.spend("new", kStart);
  BOOST_TEST(budgets.size() == 3u);
  BOOST_TEST(budgets.exhausted("drained", kStart).has_value());
  budgets.spend("emptier", kStart);
  BOOST_TEST(budgets.exhausted("emptier", kStart).has_value());
  spend(budgets, "new", 2, kStart);
  BOOST_TEST(budgets.exhausted("new", kStart).has_value());
  BOOST_TEST(budgets.size() == 3u);  // so "fuller" was the one forgotten
}

BOOST_AUTO_TEST_CASE(least_recently_spent_goes_when_none_is_full) {
  FailureBudgets budgets({FailureBudgetLimits{1, 1, 2, 1}});
  budgets.spend("a", kStart);
  budgets.spend("b", kStart);
  budgets.spend("c", kStart);  // a and b are both empty: the older one, a, goes
  BOOST_TEST(!budgets.exhausted("a", kStart).has_value());
  BOOST_TEST(budgets.exhausted("b", kStart).has_value());
  BOOST_TEST(budgets.exhausted("c", kStart).has_value());
  budgets.spend("b", kStart);  // b becomes the most recent; c goes next
  budgets.spend("d", kStart);
  BOOST_TEST(budgets.exhausted("b", kStart).has_value());
  BOOST_TEST(!budgets.exhausted("c", kStart).has_value());
}

BOOST_AUTO_TEST_CASE(invalid_limits_are_refused) {
  BOOST_CHECK_THROW(FailureBudgets({0, 1}), std::invalid_argument);
  BOOST_CHECK_THROW(FailureBudgets({1, 0}), std::invalid_argument);
  BOOST_CHECK_THROW(FailureBudgets({1, -1}), std::invalid_argument);
  BOOST_CHECK_THROW(FailureBudgets(FailureBudgetLimits{1, 1, 0}), std::invalid_argument);
  FailureBudgets tiny(FailureBudgetLimits{1, 1, 3, 16});
  BOOST_TEST(tiny.limits().shards == 3u);  // never more shards than keys
  BOOST_TEST(tiny.limits().max_keys == 3u);
}

BOOST_AUTO_TEST_CASE(concurrent_spending_loses_no_failure) {
  FailureBudgets budgets({FailureBudgetLimits{100'000, 0.001, 1'000, 4}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] { spend(budgets, "shared", 25'000, kStart); });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(budgets.exhausted("shared", kStart).has_value());
}

BOOST_AUTO_TEST_CASE(account_keys_ignore_ascii_case_only) {
  BOOST_TEST(account_key("Alice") == "alice");
  BOOST_TEST(account_key("ALICE") == account_key("alice"));
  BOOST_TEST(account_key("Ölaf") == "\xc3\x96laf");  // as usernames compare: ASCII only
  BOOST_TEST(account_key("") == "");
}

// A guesser varying 10 KB usernames would otherwise hold a 10 KB bucket for each.
BOOST_AUTO_TEST_CASE(names_longer_than_any_accounts_share_one_small_key) {
  const std::string longest(kMaxUsernameBytes, 'A');
  BOOST_TEST(account_key(longest) == std::string(kMaxUsernameBytes, 'a'));
  const std::string a = account_key(std::string(10'000, 'a'));
  const std::string b = account_key(std::string(kMaxUsernameBytes + 1, 'b'));
  BOOST_TEST(a == b);
  BOOST_TEST(a.size() < 16u);
  BOOST_TEST(a != account_key("too long"));
}

BOOST_AUTO_TEST_CASE(address_keys_group_an_ipv6_slash_64) {
  BOOST_TEST(address_key("198.51.100.7") == "198.51.100.7");
  BOOST_TEST(address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
  BOOST_TEST(address_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64");
  BOOST_TEST(address_key("[2001:DB8:1:2::9]") == "2001:db8:1:2::/64");
  BOOST_TEST(address_key("fe80::1%eth0") == "fe80::/64");
  BOOST_TEST(address_key("::ffff:198.51.100.7") == "198.51.100.7");
  BOOST_TEST(address_key("::1") == "::/64");
  BOOST_TEST(address_key("not an address") == "not an address");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failure_budget_reservation)

// Concurrent attempts reserve before verifying: the burst bounds them even when none has
// finished yet; a refund returns what a non-failure did not use.
BOOST_AUTO_TEST_CASE(try_spend_bounds_attempts_and_refund_returns_a_token) {
  using latchkey::auth::FailureBudgetLimits;
  using latchkey::auth::FailureBudgets;
  FailureBudgets budgets(FailureBudgetLimits{3, 1});
  const auto now = FailureBudgets::Clock::time_point{} + std::chrono::hours(1);
  BOOST_TEST(budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(!budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(budgets.exhausted("10.0.0.1", now).has_value());
  budgets.refund("10.0.0.1", now);
  BOOST_TEST(!budgets.exhausted("10.0.0.1", now).has_value());
  BOOST_TEST(budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(!budgets.try_spend("10.0.0.1", now));
  // A refund never lifts a bucket above its burst.
  for (int i = 0; i < 10; ++i) budgets.refund("10.0.0.1", now);
  BOOST_TEST(budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(budgets.try_spend("10.0.0.1", now));
  BOOST_TEST(!budgets.try_spend("10.0.0.1", now));
}

// Every successful login reserves and refunds a token: the full bucket it leaves is
// forgotten, so the index holds only keys that really failed, and nothing else changes.
BOOST_AUTO_TEST_CASE(a_refund_that_fills_the_bucket_forgets_the_key) {
  using latchkey::auth::FailureBudgetLimits;
  using latchkey::auth::FailureBudgets;
  FailureBudgets budgets(FailureBudgetLimits{3, 1});
  const auto now = FailureBudgets::Clock::time_point{} + std::chrono::hours(1);
  for (int user = 0; user < 50; ++user) {
    const std::string key = "user" + std::to_string(user);
    BOOST_TEST(budgets.try_spend(key, now));
    budgets.refund(key, now);
  }
  BOOST_TEST(budgets.size() == 0u);
  // A key with a real failure stays, refunds or not, until its bucket is full again.
  budgets.spend("guesser", now);
  BOOST_TEST(budgets.try_spend("guesser", now));
  budgets.refund("guesser", now);
  BOOST_TEST(budgets.size() == 1u);
  BOOST_TEST(budgets.try_spend("guesser", now));
  BOOST_TEST(budgets.try_spend("guesser", now));
  BOOST_TEST(!budgets.try_spend("guesser", now));
  // Forgotten is the same as full: the whole burst is there again.
  budgets.refund("user0", now);
  BOOST_TEST(budgets.try_spend("user0", now));
  BOOST_TEST(budgets.try_spend("user0", now));
  BOOST_TEST(budgets.try_spend("user0", now));
  BOOST_TEST(!budgets.try_spend("user0", now));
}

BOOST_AUTO_TEST_SUITE_END()

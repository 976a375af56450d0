#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "auth/verified_cache.hpp"

using namespace latchkey::auth;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "cache-key-cache-key-cache-key-01";
const VerifiedCache::Clock::time_point kT0{std::chrono::hours(1000)};

Identity identity(std::int64_t user_id, std::string username) {
  Identity id;
  id.user_id = user_id;
  id.username = std::move(username);
  id.credential = CredentialType::app_password;
  id.app_password_id = user_id * 10;
  return id;
}

std::int64_t found_user(const std::optional<Identity>& found) {
  return found ? found->user_id : -1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verified_cache)

BOOST_AUTO_TEST_CASE(hit_returns_the_identity) {
  VerifiedCache cache(kKey, 1000ms, 10);
  cache.insert("alice", "s3cret", identity(1, "alice"), kT0);
  const auto found = cache.find("alice", "s3cret", kT0 + 10ms);
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST(found->user_id == 1);
  BOOST_TEST(found->username == "alice");
  BOOST_TEST(found->app_password_id.value_or(0) == 10);
  BOOST_TEST(cache.size() == 1u);
}

BOOST_AUTO_TEST_CASE(misses_on_other_secret_or_username) {
  VerifiedCache cache(kKey, 1000ms, 10);
  cache.insert("alice", "s3cret", identity(1, "alice"), kT0);
  BOOST_TEST(!cache.find("alice", "s3cret2", kT0).has_value());
  BOOST_TEST(!cache.find("alice", "s3cre", kT0).has_value());
  BOOST_TEST(!cache.find("alice", "", kT0).has_value());
  BOOST_TEST(!cache.find("bob", "s3cret", kT0).has_value());
  BOOST_TEST(!cache.find("Alice", "s3cret", kT0).has_value());  // exact typed username
  // The NUL separator keeps (user, secret) pairs apart.
  cache.insert("ab", "c", identity(2, "ab"), kT0);
  BOOST_TEST(!cache.find("a", "bc", kT0).has_value());
  BOOST_TEST(found_user(cache.find("ab", "c", kT0)) == 2);
}

BOOST_AUTO_TEST_CASE(entries_expire_after_ttl) {
  VerifiedCache cache(kKey, 1000ms, 10);
  cache.insert("alice", "s3cret", identity(1, "alice"), kT0);
  BOOST_TEST(cache.find("alice", "s3cret", kT0 + 999ms).has_value());
  // A hit does not extend the lifetime: re-verification happens at most a TTL later.
  BOOST_TEST(!cache.find("alice", "s3cret", kT0 + 1000ms).has_value());
  BOOST_TEST(cache.size() == 0u);  // expired entries are erased on find
  BOOST_TEST(!cache.find("alice", "s3cret", kT0).has_value());
}

// An expiring token or app password sends no NOTIFY when it ends: its entry must end with it.
BOOST_AUTO_TEST_CASE(an_entry_never_outlives_its_credential) {
  VerifiedCache cache(kKey, std::chrono::hours(1), 10);
  Identity expiring = identity(1, "alice");
  expiring.expires_at = std::chrono::system_clock::now() + 2s;
  cache.insert("alice", "s3cret", expiring, kT0);
  BOOST_TEST(cache.find("alice", "s3cret", kT0 + 1s).has_value());
  BOOST_TEST(!cache.find("alice", "s3cret", kT0 + 3s).has_value());  // the TTL is an hour

  Identity ended = identity(2, "bob");
  ended.expires_at = std::chrono::system_clock::now() - 1s;  // verified just as it ended
  cache.insert("bob", "s3cret", ended, kT0);
  BOOST_TEST(!cache.find("bob", "s3cret", kT0).has_value());

  Identity lasting = identity(3, "carol");
  lasting.expires_at = std::chrono::system_clock::now() + std::chrono::hours(24);
  cache.insert("carol", "s3cret", lasting, kT0);
  BOOST_TEST(cache.find("carol", "s3cret", kT0 + std::chrono::minutes(59)).has_value());
  BOOST_TEST(!cache.find("carol", "s3cret", kT0 + std::chrono::minutes(61)).has_value());
}

BOOST_AUTO_TEST_CASE(reinsert_refreshes_without_growing) {
  VerifiedCache cache(kKey, 1000ms, 10);
  cache.insert("alice", "s3cret", identity(1, "alice"), kT0);
  cache.insert("alice", "s3cret", identity(1, "alice-renamed"), kT0 + 800ms);
  BOOST_TEST(cache.size() == 1u);
  const auto found = cache.find("alice", "s3cret", kT0 + 1500ms);
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST(found->username == "alice-renamed");
  BOOST_TEST(!cache.find("alice", "s3cret", kT0 + 1800ms).has_value());
}

// Second chance (CLOCK): hits only mark an entry, so they never need the exclusive lock;
// eviction takes the oldest entry not hit since it last came round.
BOOST_AUTO_TEST_CASE(eviction_spares_entries_hit_since_they_last_came_round) {
  VerifiedCache cache(kKey, 60s, 3);
  cache.insert("a", "1", identity(1, "a"), kT0);
  cache.insert("b", "2", identity(2, "b"), kT0);
  cache.insert("c", "3", identity(3, "c"), kT0);
  BOOST_TEST(cache.find("a", "1", kT0).has_value());  // a is marked; b is oldest unmarked
  cache.insert("d", "4", identity(4, "d"), kT0);
  BOOST_TEST(cache.size() == 3u);
  BOOST_TEST(!cache.find("b", "2", kT0).has_value());
  // Now a (mark spent), d, c; hitting c marks it, so d, never hit, goes next.
  BOOST_TEST(found_user(cache.find("c", "3", kT0)) == 3);
  cache.insert("e", "5", identity(5, "e"), kT0);
  BOOST_TEST(!cache.find("d", "4", kT0).has_value());
  BOOST_TEST(found_user(cache.find("a", "1", kT0)) == 1);
  BOOST_TEST(found_user(cache.find("c", "3", kT0)) == 3);
  BOOST_TEST(found_user(cache.find("e", "5", kT0)) == 5);
  BOOST_TEST(cache.size() == 3u);
}

BOOST_AUTO_TEST_CASE(erase_user_drops_every_entry_of_that_user) {
  VerifiedCache cache(kKey, 60s, 10);
  cache.insert("alice", "app-1", identity(1, "alice"), kT0);
  cache.insert("ALICE", "app-2", identity(1, "alice"), kT0);
  cache.insert("bob", "app-3", identity(2, "bob"), kT0);
  cache.erase_user(1);
  BOOST_TEST(cache.size() == 1u);
  BOOST_TEST(!cache.find("alice", "app-1", kT0).has_value());
  BOOST_TEST(!cache.find("ALICE", "app-2", kT0).has_value());
  BOOST_TEST(found_user(cache.find("bob", "app-3", kT0)) == 2);
  cache.erase_user(99);  // unknown user: no effect
  BOOST_TEST(cache.size() == 1u);
  // The LRU list stays consistent after erasure: filling up evicts cleanly.
  for (int i = 0; i < 20; ++i) {
    cache.insert("u" + std::to_string(i), "s", identity(100 + i, "u"), kT0);
  }
  BOOST_TEST(cache.size() == 10u);
}

BOOST_AUTO_TEST_CASE(zero_ttl_or_capacity_never_stores) {
  VerifiedCache no_ttl(kKey, 0ms, 10);
  no_ttl.insert("alice", "s3cret", identity(1, "alice"), kT0);
  BOOST_TEST(no_ttl.size() == 0u);
  BOOST_TEST(!no_ttl.find("alice", "s3cret", kT0).has_value());
  VerifiedCache no_room(kKey, 1000ms, 0);
  no_room.insert("alice", "s3cret", identity(1, "alice"), kT0);
  BOOST_TEST(no_room.size() == 0u);
  BOOST_TEST(!no_room.find("alice", "s3cret", kT0).has_value());
}

BOOST_AUTO_TEST_CASE(short_key_is_refused) {
  BOOST_CHECK_THROW(VerifiedCache(std::string(31, 'k'), 1000ms, 10), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(same_credentials_under_another_key_miss) {
  VerifiedCache a(kKey, 1000ms, 10);
  a.insert("alice", "s3cret", identity(1, "alice"), kT0);
  VerifiedCache b(std::string(32, 'z'), 1000ms, 10);
  BOOST_TEST(!b.find("alice", "s3cret", kT0).has_value());
}

BOOST_AUTO_TEST_CASE(clear_drops_every_entry) {
  VerifiedCache cache(kKey, 60s, 3);
  cache.insert("alice", "app-1", identity(1, "alice"), kT0);
  cache.insert("bob", "app-2", identity(2, "bob"), kT0);
  cache.clear();
  BOOST_TEST(cache.size() == 0u);
  BOOST_TEST(!cache.find("alice", "app-1", kT0).has_value());
  BOOST_TEST(!cache.find("bob", "app-2", kT0).has_value());
  cache.clear();  // on an empty cache: no effect
  // The LRU list was cleared with the map: refilling past capacity evicts cleanly.
  for (int i = 0; i < 5; ++i) cache.insert("u" + std::to_string(i), "s", identity(i, "u"), kT0);
  BOOST_TEST(cache.size() == 3u);
  BOOST_TEST(found_user(cache.find("u4", "s", kT0)) == 4);
  BOOST_TEST(!cache.find("u1", "s", kT0).has_value());
}

BOOST_AUTO_TEST_CASE(generation_advances_on_every_erase_user_and_clear) {
  VerifiedCache cache(kKey, 60s, 10);
  const std::uint64_t g0 = cache.generation();
  cache.insert("alice", "s", identity(1, "alice"), kT0);
  cache.find("alice", "s", kT0);
  BOOST_TEST(cache.generation() == g0);  // inserts and hits change nothing
  cache.erase_user(99);                  // even with nothing cached for that user
  const std::uint64_t g1 = cache.generation();
  BOOST_TEST(g1 > g0);
  cache.clear();
  BOOST_TEST(cache.generation() > g1);
}

BOOST_AUTO_TEST_CASE(insert_with_current_generation_is_kept) {
  VerifiedCache cache(kKey, 60s, 10);
  cache.erase_user(1);
  cache.clear();
  const std::uint64_t generation = cache.generation();
  cache.insert("alice", "s3cret", identity(1, "alice"), generation, kT0);
  BOOST_TEST(found_user(cache.find("alice", "s3cret", kT0)) == 1);
  // The generation-checked insert honours the TTL like the plain one.
  BOOST_TEST(!cache.find("alice", "s3cret", kT0 + 60s).has_value());
}

BOOST_AUTO_TEST_CASE(insert_begun_before_erase_user_of_that_user_is_skipped) {
  VerifiedCache cache(kKey, 60s, 10);
  // Verification reads generation, then the database; a revocation commits and its
  // notification erases alice; then the stale verification result arrives.
  const std::uint64_t before = cache.generation();
  cache.erase_user(1);
  cache.insert("alice", "revoked", identity(1, "alice"), before, kT0);
  BOOST_TEST(!cache.find("alice", "revoked", kT0).has_value());
  BOOST_TEST(cache.size() == 0u);
  // Another user's verification that began at the same time is still cached.
  cache.insert("bob", "s", identity(2, "bob"), before, kT0);
  BOOST_TEST(found_user(cache.find("bob", "s", kT0)) == 2);
  // A verification of alice begun after the change reads the new state: kept.
  cache.insert("alice", "new", identity(1, "alice"), cache.generation(), kT0);
  BOOST_TEST(found_user(cache.find("alice", "new", kT0)) == 1);
  // A refresh of an existing entry is skipped too, not only a new one.
  const std::uint64_t stale = cache.generation();
  cache.erase_user(2);
  cache.insert("bob", "s", identity(2, "bob"), kT0);  // (plain insert: unconditional)
  cache.insert("bob", "s", identity(2, "bob-renamed"), stale, kT0 + 1s);
  const auto bob = cache.find("bob", "s", kT0 + 1s);
  BOOST_TEST_REQUIRE(bob.has_value());
  BOOST_TEST(bob->username == "bob");
}

BOOST_AUTO_TEST_CASE(insert_begun_before_clear_is_skipped_for_everyone) {
  VerifiedCache cache(kKey, 60s, 10);
  const std::uint64_t before = cache.generation();
  cache.clear();
  cache.insert("alice", "s", identity(1, "alice"), before, kT0);
  cache.insert("bob", "s", identity(2, "bob"), before, kT0);
  BOOST_TEST(cache.size() == 0u);
  cache.insert("bob", "s", identity(2, "bob"), cache.generation(), kT0);
  BOOST_TEST(found_user(cache.find("bob", "s", kT0)) == 2);
}

BOOST_AUTO_TEST_CASE(a_burst_of_changes_errs_towards_skipping) {
  VerifiedCache cache(kKey, 60s, 10);
  const std::uint64_t before = cache.generation();
  // More distinct users than the cache tracks individually: it forgets which ones changed,
  // so every insert begun before the burst is skipped, never wrongly kept.
  for (std::int64_t id = 1000; id < 1000 + 5000; ++id) cache.erase_user(id);
  cache.insert("alice", "s", identity(1, "alice"), before, kT0);
  BOOST_TEST(!cache.find("alice", "s", kT0).has_value());
  const std::uint64_t after = cache.generation();
  cache.insert("alice", "s", identity(1, "alice"), after, kT0);
  BOOST_TEST(found_user(cache.find("alice", "s", kT0)) == 1);
  cache.erase_user(7000);  // tracked again individually after the collapse
  cache.insert("bob", "s", identity(2, "bob"), after, kT0);
  cache.insert("u", "s", identity(7000, "u"), after, kT0);
  BOOST_TEST(found_user(cache.find("bob", "s", kT0)) == 2);
  BOOST_TEST(!cache.find("u", "s", kT0).has_value());
}

BOOST_AUTO_TEST_CASE(generation_checked_insert_respects_disabled_cache) {
  VerifiedCache no_ttl(kKey, 0ms, 10);
  no_ttl.insert("alice", "s", identity(1, "alice"), no_ttl.generation(), kT0);
  BOOST_TEST(no_ttl.size() == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_use_is_safe) {
  VerifiedCache cache(kKey, 60s, 50);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string user = "u" + std::to_string(i % 80);
        const std::int64_t id = i % 80;
        cache.insert(user, "s", identity(id, user), kT0);
        const auto found = cache.find(user, "s", kT0);
        if (found && found->user_id != id) ++wrong;
        if (i % 97 == t) cache.erase_user(id);
        if (i % 499 == t) cache.clear();
        const std::uint64_t generation = cache.generation();
        cache.insert(user, "g", identity(id, user), generation, kT0);
        (void)cache.size();
      }
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(cache.size() <= 50u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(verified_cache_age_limit)

using latchkey::auth::Identity;
using latchkey::auth::VerifiedCache;

// While the change listener is down, entries older than the limit are misses even though
// their TTL has not run out; lifting the limit restores the TTL alone.
BOOST_AUTO_TEST_CASE(age_limit_shortens_ttl_until_lifted) {
  VerifiedCache cache(std::string(32, 'k'), std::chrono::minutes(10), 100);
  const auto t0 = VerifiedCache::Clock::time_point{} + std::chrono::hours(1);
  Identity id;
  id.user_id = 7;
  id.username = "alice";
  cache.insert("alice", "pw-a", id, t0);
  cache.insert("bob", "pw-b", id, t0);
  cache.limit_age(std::chrono::seconds(5));
  BOOST_TEST(cache.find("alice", "pw-a", t0 + std::chrono::seconds(4)).has_value());
  BOOST_TEST(!cache.find("alice", "pw-a", t0 + std::chrono::seconds(6)).has_value());
  cache.lift_age_limit();
  BOOST_TEST(cache.find("bob", "pw-b", t0 + std::chrono::seconds(6)).has_value());
}

BOOST_AUTO_TEST_CASE(drop_expired_frees_entries_nobody_asks_for_again) {
  VerifiedCache cache(kKey, 1s, 100);
  cache.insert("alice", "pw-a", identity(1, "alice"), kT0);
  cache.insert("bob", "pw-b", identity(2, "bob"), kT0 + 500ms);
  BOOST_TEST(cache.drop_expired(kT0 + 999ms) == 0u);
  BOOST_TEST(cache.size() == 2u);
  BOOST_TEST(cache.drop_expired(kT0 + 1s) == 1u);  // alice's second is up; bob's is not
  BOOST_TEST(cache.size() == 1u);
  BOOST_TEST(found_user(cache.find("bob", "pw-b", kT0 + 1200ms)) == 2);
  BOOST_TEST(cache.drop_expired(kT0 + 1500ms) == 1u);
  BOOST_TEST(cache.size() == 0u);
  BOOST_TEST(cache.stats().evictions == 0u);  // expiry is not eviction
}

BOOST_AUTO_TEST_CASE(drop_expired_keeps_a_refreshed_entry_and_honours_the_age_limit) {
  VerifiedCache cache(kKey, 10s, 100);
  cache.insert("alice", "pw-a", identity(1, "alice"), kT0);
  cache.insert("bob", "pw-b", identity(2, "bob"), kT0 + 1s);
  cache.insert("alice", "pw-a", identity(1, "alice"), kT0 + 2s);  // re-verified: lives anew
  BOOST_TEST(cache.drop_expired(kT0 + 11s) == 1u);                 // only bob's
  BOOST_TEST(found_user(cache.find("alice", "pw-a", kT0 + 11s)) == 1);
  cache.limit_age(3s);  // change notifications lost: nothing older than 3 s counts
  BOOST_TEST(cache.drop_expired(kT0 + 5s) == 1u);
  BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE(drop_expired_empties_a_cache_larger_than_one_batch) {
  VerifiedCache cache(kKey, 1s, 5000);
  for (int i = 0; i < 3000; ++i) {
    const std::string name = "user" + std::to_string(i);
    cache.insert(name, "pw", identity(i, name), kT0 + std::chrono::microseconds(i));
  }
  cache.insert("late", "pw", identity(9999, "late"), kT0 + 2s);
  BOOST_TEST(cache.drop_expired(kT0 + 1s + 3ms) == 3000u);
  BOOST_TEST(cache.size() == 1u);
  BOOST_TEST(found_user(cache.find("late", "pw", kT0 + 2500ms)) == 9999);
}

BOOST_AUTO_TEST_CASE(stats_count_hits_misses_and_evictions) {
  VerifiedCache cache(std::string(32, 'k'), std::chrono::minutes(10), 2);
  const auto t0 = VerifiedCache::Clock::time_point{} + std::chrono::hours(1);
  Identity id;
  id.user_id = 1;
  cache.insert("a", "1", id, t0);
  cache.insert("b", "2", id, t0);
  cache.insert("c", "3", id, t0);  // evicts "a"
  BOOST_TEST(!cache.find("a", "1", t0).has_value());
  BOOST_TEST(cache.find("c", "3", t0).has_value());
  const auto stats = cache.stats();
  BOOST_TEST(stats.hits == 1u);
  BOOST_TEST(stats.misses == 1u);
  BOOST_TEST(stats.evictions == 1u);
  BOOST_TEST(stats.size == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <chrono>
#include <string>

#include "auth/app_password.hpp"
#include "auth/authenticator.hpp"
#include "auth/password_hash.hpp"
#include "tests/auth/in_memory_store.hpp"

using namespace latchkey::auth;
using latchkey::auth::testing::InMemoryStore;
using namespace std::chrono_literals;

namespace {

const Argon2Params kFast{1, 256, 1};

Policy policy(bool accept_app_password, AccountPasswordPolicy account_password) {
  Policy result;
  result.accept_app_password = accept_app_password;
  result.account_password = account_password;
  return result;
}

const Policy kDefault = policy(true, AccountPasswordPolicy::deny_if_totp);
const Policy kAppOnly = policy(true, AccountPasswordPolicy::deny);
const Policy kAccountOnly = policy(false, AccountPasswordPolicy::deny_if_totp);
const Policy kFirstFactor = policy(false, AccountPasswordPolicy::first_factor);  // sign-in
const Policy kNothing = policy(false, AccountPasswordPolicy::deny);

// Replaces one symbol so that the check symbol no longer matches.
std::string with_typo(const std::string& canonical) {
  std::string typo = canonical;
  typo[5] = typo[5] == 'a' ? 'b' : 'a';
  return typo;
}

struct Fixture {
  Fixture() : hasher("pepper-pepper-pepper-pepper-0001"), store(hasher), auth(store, hasher) {
    store.add_user({1, "alice", "alice@example.org", hash_password("correct horse", kFast)});
    store.add_user({2, "bob", "bob@example.org", hash_password("bob-secret", kFast), true});
    store.add_user({3, "carol", "", hash_password("carol-pw", kFast), false, true});
    store.add_user({4, "dave", "", ""});  // no account password at all
    // An account password that happens to be shaped like an app password.
    store.add_user({5, "erin", "", hash_password(erin_password, kFast)});
    store.add_app_password(1, 10, "laptop", alice_app);
    store.add_app_password(2, 12, "phone", bob_app);
    store.add_app_password(3, 11, "old", carol_app);
  }

  Decision verify(std::string user, std::string password, const Policy& policy) {
    return auth.verify(BasicCredentials{std::move(user), std::move(password)}, policy);
  }

  void reset_counts() {
    store.find_user_calls = 0;
    store.find_app_password_calls = 0;
  }

  KeyedHasher hasher;
  InMemoryStore store;
  Authenticator auth;
  const std::string alice_app = generate_app_password();
  const std::string bob_app = generate_app_password();
  const std::string carol_app = generate_app_password();
  const std::string unknown_app = generate_app_password();
  const std::string erin_password = generate_app_password();
};

#define CHECK_DENIED(decision, expected)                                 \
  do {                                                                   \
    const Decision d_ = (decision);                                      \
    BOOST_TEST(to_string(d_.reason) == to_string(DenyReason::expected)); \
    BOOST_TEST(!d_.allowed());                                           \
    BOOST_TEST(!d_.identity.has_value());                                \
  } while (false)

}  // namespace

BOOST_FIXTURE_TEST_SUITE(authenticator, Fixture)

BOOST_AUTO_TEST_CASE(app_password_allows_with_one_lookup_and_no_argon2) {
  const std::uint64_t verifications = password_verification_count();
  const Decision d = verify("alice", alice_app, kDefault);
  BOOST_TEST_REQUIRE(d.allowed(), to_string(d.reason));
  BOOST_TEST_REQUIRE(d.identity.has_value());
  BOOST_TEST(d.identity->user_id == 1);
  BOOST_TEST(d.identity->username == "alice");
  BOOST_TEST(d.identity->email == "alice@example.org");
  BOOST_TEST((d.identity->credential == CredentialType::app_password));
  BOOST_TEST(d.identity->app_password_id.value_or(0) == 10);
  BOOST_TEST(d.identity->app_password_name == "laptop");
  BOOST_TEST(!d.identity->totp_enabled);
  BOOST_TEST(d.checked_password_hash.empty());  // no account password was checked
  BOOST_TEST(store.find_app_password_calls == 1);
  BOOST_TEST(store.find_user_calls == 0);
  BOOST_TEST(password_verification_count() == verifications);
}

BOOST_AUTO_TEST_CASE(app_password_as_typed_with_dashes_case_and_username_case) {
  std::string typed = format_app_password(alice_app);
  for (char& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const Decision d = verify("ALICE", typed, kAppOnly);
  BOOST_TEST_REQUIRE(d.allowed(), to_string(d.reason));
  BOOST_TEST(d.identity->username == "alice");  // as stored, not as typed
}

BOOST_AUTO_TEST_CASE(app_password_with_someone_elses_username) {
  CHECK_DENIED(verify("bob", alice_app, kDefault), app_password_wrong_user);
  CHECK_DENIED(verify("", alice_app, kDefault), app_password_wrong_user);
  CHECK_DENIED(verify("alicex", alice_app, kDefault), app_password_wrong_user);
  BOOST_TEST(store.find_user_calls == 0);
}

BOOST_AUTO_TEST_CASE(app_password_of_disabled_account) {
  CHECK_DENIED(verify("carol", carol_app, kDefault), account_disabled);
  // Disabling takes effect on an app password created before.
  store.user(1)->disabled = true;
  CHECK_DENIED(verify("alice", alice_app, kAppOnly), account_disabled);
}

BOOST_AUTO_TEST_CASE(app_password_works_with_totp_on) {
  const Decision d = verify("bob", bob_app, kDefault);
  BOOST_TEST_REQUIRE(d.allowed(), to_string(d.reason));
  BOOST_TEST(d.identity->totp_enabled);
  BOOST_TEST(d.identity->app_password_id.value_or(0) == 12);
}

BOOST_AUTO_TEST_CASE(check_symbol_failure_on_app_only_route_makes_no_store_call) {
  CHECK_DENIED(verify("alice", with_typo(alice_app), kAppOnly), not_an_app_password);
  CHECK_DENIED(verify("alice", "correct horse", kAppOnly), not_an_app_password);
  CHECK_DENIED(verify("nobody", "", kAppOnly), not_an_app_password);
  BOOST_TEST(store.calls() == 0);
}

BOOST_AUTO_TEST_CASE(unknown_app_password_on_app_only_route) {
  CHECK_DENIED(verify("alice", unknown_app, kAppOnly), bad_password);
  BOOST_TEST(store.find_app_password_calls == 1);
  BOOST_TEST(store.find_user_calls == 0);
}

BOOST_AUTO_TEST_CASE(unknown_app_shaped_password_falls_through_to_account_password) {
  CHECK_DENIED(verify("alice", unknown_app, kDefault), bad_password);
  BOOST_TEST(store.find_app_password_calls == 1);
  BOOST_TEST(store.find_user_calls == 1);
  reset_counts();
  const Decision d = verify("erin", erin_password, kDefault);
  BOOST_TEST_REQUIRE(d.allowed(), to_string(d.reason));
  BOOST_TEST((d.identity->credential == CredentialType::account_password));
  BOOST_TEST(store.find_app_password_calls == 1);
  BOOST_TEST(store.find_user_calls == 1);
}

BOOST_AUTO_TEST_CASE(account_password_allowed) {
  for (const Policy& policy : {kDefault, kAccountOnly, kFirstFactor}) {
    const Decision d = verify("alice", "correct horse", policy);
    BOOST_TEST_REQUIRE(d.allowed(), to_string(d.reason));
    BOOST_TEST(d.identity->user_id == 1);
    BOOST_TEST(d.identity->username == "alice");
    BOOST_TEST((d.identity->credential == CredentialType::account_password));
    BOOST_TEST(!d.identity->app_password_id.has_value());
    // What a token grant re-checks when it is stored (TokenGrant::checked_password_hash).
    BOOST_TEST(d.checked_password_hash == store.user(1)->password_hash);
  }
  // Not app-password shaped: no app-password lookup was made.
  BOOST_TEST(store.find_app_password_calls == 0);
  const Decision folded = verify("ALICE", "correct horse", kDefault);
  BOOST_TEST_REQUIRE(folded.allowed());
  BOOST_TEST(folded.identity->username == "alice");
}

BOOST_AUTO_TEST_CASE(wrong_account_password) {
  const std::uint64_t before = password_verification_count();
  CHECK_DENIED(verify("alice", "correct horse ", kDefault), bad_password);
  CHECK_DENIED(verify("alice", "", kDefault), bad_password);
  BOOST_TEST(password_verification_count() - before == 2u);
}

BOOST_AUTO_TEST_CASE(unknown_user_pays_a_dummy_verification) {
  const std::uint64_t before = password_verification_count();
  CHECK_DENIED(verify("mallory", "correct horse", kDefault), unknown_user);
  BOOST_TEST(store.find_user_calls == 1);
  BOOST_TEST(password_verification_count() - before == 1u);
  // An empty username is an unknown user, with the same work.
  CHECK_DENIED(verify("", "x", kDefault), unknown_user);
  BOOST_TEST(password_verification_count() - before == 2u);
}

BOOST_AUTO_TEST_CASE(account_without_password_pays_a_dummy_verification) {
  const std::uint64_t before = password_verification_count();
  CHECK_DENIED(verify("dave", "", kDefault), bad_password);
  CHECK_DENIED(verify("dave", "anything", kDefault), bad_password);
  BOOST_TEST(password_verification_count() - before == 2u);
}

BOOST_AUTO_TEST_CASE(disabled_account_is_only_revealed_to_the_right_password) {
  CHECK_DENIED(verify("carol", "carol-pw", kDefault), account_disabled);
  CHECK_DENIED(verify("carol", "wrong", kDefault), bad_password);
}

// §5.1: TOTP accounts never pass with the account password on deny_if_totp routes, and the
// hint to use an app password is given only to someone who knows the password.
BOOST_AUTO_TEST_CASE(totp_account_password_invariant) {
  CHECK_DENIED(verify("bob", "bob-secret", kDefault), totp_requires_app_password);
  CHECK_DENIED(verify("bob", "wrong", kDefault), bad_password);
  CHECK_DENIED(verify("bob", "", kDefault), bad_password);
  CHECK_DENIED(verify("bob", "bob-secret", kAppOnly), not_an_app_password);
  CHECK_DENIED(verify("bob", "bob-secret", kAccountOnly), totp_requires_app_password);
  // Only latchkey's own sign-in takes it, flagged, as the first of two factors.
  const Decision d = verify("bob", "bob-secret", kFirstFactor);
  BOOST_TEST_REQUIRE(d.allowed(), to_string(d.reason));
  BOOST_TEST(d.identity->totp_enabled);
  BOOST_TEST(!policy_admits(kDefault, *d.identity));
  BOOST_TEST(!policy_admits(kFirstFactor, *d.identity));
  // Disabled takes precedence over the TOTP hint.
  store.user(2)->disabled = true;
  CHECK_DENIED(verify("bob", "bob-secret", kDefault), account_disabled);
}

BOOST_AUTO_TEST_CASE(route_without_app_passwords_ignores_them) {
  CHECK_DENIED(verify("alice", alice_app, kAccountOnly), bad_password);
  BOOST_TEST(store.find_app_password_calls == 0);
  BOOST_TEST(store.find_user_calls == 1);
}

BOOST_AUTO_TEST_CASE(route_that_admits_nothing) {
  CHECK_DENIED(verify("alice", alice_app, kNothing), account_password_denied);
  CHECK_DENIED(verify("alice", "correct horse", kNothing), account_password_denied);
  BOOST_TEST(store.calls() == 0);
}

BOOST_AUTO_TEST_CASE(store_failures_fail_closed) {
  for (auto failure :
       {InMemoryStore::Failure::store_unavailable, InMemoryStore::Failure::runtime_error,
        InMemoryStore::Failure::non_standard}) {
    store.failure = failure;
    CHECK_DENIED(verify("alice", alice_app, kDefault), store_unavailable);  // app lookup
    CHECK_DENIED(verify("alice", alice_app, kAppOnly), store_unavailable);
    CHECK_DENIED(verify("alice", "correct horse", kDefault), store_unavailable);  // user lookup
    CHECK_DENIED(verify("alice", "correct horse", kAccountOnly), store_unavailable);
  }
  // A mistyped app password is refused without the store, so even a dead store says why.
  CHECK_DENIED(verify("alice", with_typo(alice_app), kAppOnly), not_an_app_password);
  store.failure = InMemoryStore::Failure::none;
  BOOST_TEST(verify("alice", alice_app, kDefault).allowed());
}

BOOST_AUTO_TEST_CASE(deny_reason_names) {
  const std::pair<DenyReason, std::string_view> names[] = {
      {DenyReason::none, "none"},
      {DenyReason::missing_credentials, "missing_credentials"},
      {DenyReason::malformed_credentials, "malformed_credentials"},
      {DenyReason::unsupported_scheme, "unsupported_scheme"},
      {DenyReason::unknown_user, "unknown_user"},
      {DenyReason::bad_password, "bad_password"},
      {DenyReason::app_password_wrong_user, "app_password_wrong_user"},
      {DenyReason::not_an_app_password, "not_an_app_password"},
      {DenyReason::account_password_denied, "account_password_denied"},
      {DenyReason::totp_requires_app_password, "totp_requires_app_password"},
      {DenyReason::account_disabled, "account_disabled"},
      {DenyReason::account_locked, "account_locked"},
      {DenyReason::store_unavailable, "store_unavailable"},
  };
  for (const auto& [reason, name] : names) BOOST_TEST(to_string(reason) == name);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

constexpr LockPolicy kLockAfterThree{3, 60s, 150s};

// The fixture's accounts behind an authenticator that locks after three failures.
struct LockFixture : Fixture {
  LockFixture() : locking(store, hasher, kLockAfterThree) {}

  Decision verify(std::string user, std::string password, const Policy& policy) {
    return locking.verify(BasicCredentials{std::move(user), std::move(password)}, policy);
  }

  void lock(std::int64_t id, std::chrono::system_clock::duration remaining) {
    store.user(id)->locked_until = std::chrono::system_clock::now() + remaining;
  }

  // Remaining lock time of an account, or a negative duration when it is not locked.
  std::chrono::system_clock::duration remaining(std::int64_t id) {
    const auto until = store.user(id)->locked_until;
    if (!until) return -1s;
    return *until - std::chrono::system_clock::now();
  }

  Authenticator locking;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(account_lock, LockFixture)

BOOST_AUTO_TEST_CASE(locked_account_refuses_the_right_app_password) {
  lock(1, 10min);
  const Decision d = verify("alice", alice_app, kDefault);
  CHECK_DENIED(d, account_locked);
  BOOST_TEST_REQUIRE(d.locked_until.has_value());
  BOOST_TEST((*d.locked_until == *store.user(1)->locked_until));
  BOOST_TEST(store.writes() == 0);
  CHECK_DENIED(verify("alice", alice_app, kAppOnly), account_locked);
}

BOOST_AUTO_TEST_CASE(locked_account_refuses_the_right_account_password_after_the_same_work) {
  lock(1, 10min);
  const std::uint64_t before = password_verification_count();
  CHECK_DENIED(verify("alice", "correct horse", kDefault), account_locked);
  CHECK_DENIED(verify("alice", "correct horse", kDefault), account_locked);
  BOOST_TEST(password_verification_count() - before == 2u);  // Argon2id ran all the same
  // A wrong password reads the same and is not counted: an attack cannot extend the lock.
  CHECK_DENIED(verify("alice", "guess", kDefault), account_locked);
  BOOST_TEST(password_verification_count() - before == 3u);
  BOOST_TEST(store.writes() == 0);
  BOOST_TEST(store.user(1)->failed_logins == 0);
  // An account without a password and a TOTP account are locked alike.
  lock(4, 1min);
  CHECK_DENIED(verify("dave", "", kDefault), account_locked);
  lock(2, 1min);
  CHECK_DENIED(verify("bob", "bob-secret", kDefault), account_locked);
  CHECK_DENIED(verify("bob", bob_app, kDefault), account_locked);
}

BOOST_AUTO_TEST_CASE(a_lock_in_the_past_has_ended) {
  lock(1, -1s);
  store.user(1)->lock_count = 1;
  BOOST_TEST(verify("alice", alice_app, kDefault).allowed());
  BOOST_TEST(store.record_successful_login_calls == 0);  // app passwords clear nothing
  BOOST_TEST(verify("alice", "correct horse", kDefault).allowed());
  BOOST_TEST(store.record_successful_login_calls == 1);
  BOOST_TEST(store.user(1)->lock_count == 0);  // the owner is back: the next lock starts short
}

BOOST_AUTO_TEST_CASE(consecutive_failures_lock_with_growing_capped_durations) {
  for (int round = 0; round < 3; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      CHECK_DENIED(verify("alice", "guess 1", kDefault), bad_password);
      CHECK_DENIED(verify("alice", "guess 2", kDefault), bad_password);
      BOOST_TEST(store.user(1)->failed_logins == 2);
      BOOST_TEST(remaining(1) < 0s);
      // The failure that reaches the limit still reads bad_password; the next one sees the lock.
      CHECK_DENIED(verify("alice", "guess 3", kDefault), bad_password);
      BOOST_TEST(store.locked_events.size() == static_cast<std::size_t>(round + 1));
      BOOST_TEST(store.user(1)->failed_logins == 0);
      BOOST_TEST(store.user(1)->lock_count == round + 1);
      // 60s, then 120s, then 240s capped at 150s.
      const auto expected = std::min<std::chrono::system_clock::duration>(60s * (1 << round), 150s);
      BOOST_TEST((remaining(1) > expected - 5s && remaining(1) <= expected));
      CHECK_DENIED(verify("alice", "correct horse", kDefault), account_locked);
      CHECK_DENIED(verify("alice", alice_app, kDefault), account_locked);
      lock(1, -1s);  // time passes
    }
  }
  BOOST_TEST(store.record_failed_login_calls == 9);
  BOOST_TEST(store.record_successful_login_calls == 0);
}

BOOST_AUTO_TEST_CASE(a_right_credential_clears_failures_and_a_busy_user_costs_no_write) {
  CHECK_DENIED(verify("alice", "guess 1", kDefault), bad_password);
  CHECK_DENIED(verify("alice", "guess 2", kDefault), bad_password);
  BOOST_TEST(verify("alice", "correct horse", kDefault).allowed());
  BOOST_TEST(store.user(1)->failed_logins == 0);
  BOOST_TEST(store.record_successful_login_calls == 1);
  // Two more failures do not lock: the count started again.
  CHECK_DENIED(verify("alice", "guess 3", kDefault), bad_password);
  CHECK_DENIED(verify("alice", "guess 4", kDefault), bad_password);
  BOOST_TEST(store.locked_events.empty());
  // An app password does not clear it: a busy sync client must not keep guesses at the
  // account password from ever locking the account.
  BOOST_TEST(verify("alice", alice_app, kDefault).allowed());
  BOOST_TEST(store.record_successful_login_calls == 1);
  BOOST_TEST(store.user(1)->failed_logins == 2);
  CHECK_DENIED(verify("alice", "guess 5", kDefault), bad_password);
  BOOST_TEST(store.locked_events.size() == 1u);
  lock(1, -1s);  // time passes
  BOOST_TEST(verify("alice", "correct horse", kDefault).allowed());
  BOOST_TEST(store.record_successful_login_calls == 2);
  BOOST_TEST(store.user(1)->failed_logins == 0);
  // Nothing to clear: no write at all.
  BOOST_TEST(verify("alice", alice_app, kDefault).allowed());
  BOOST_TEST(verify("alice", "correct horse", kDefault).allowed());
  BOOST_TEST(store.record_successful_login_calls == 2);
}

// A sign-in's right password must not wipe the count of a TOTP account: otherwise wrong codes
// after it (each counted by the caller) would never reach the lock.
BOOST_AUTO_TEST_CASE(wrong_codes_after_a_right_first_factor_still_lock_a_totp_account) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    BOOST_TEST_CONTEXT("attempt " << attempt) {
      const Decision d = verify("bob", "bob-secret", kFirstFactor);
      BOOST_TEST_REQUIRE(d.allowed(), to_string(d.reason));
      BOOST_TEST(d.failures_pending == (attempt > 0));
      locking.record_failure(2);  // the code was wrong
    }
  }
  BOOST_TEST(store.record_successful_login_calls == 0);
  BOOST_TEST(store.locked_events.size() == 1u);
  CHECK_DENIED(verify("bob", "bob-secret", kFirstFactor), account_locked);
}

BOOST_AUTO_TEST_CASE(only_the_second_factor_clears_a_totp_accounts_failures) {
  CHECK_DENIED(verify("bob", "guess", kFirstFactor), bad_password);
  const Decision bob = verify("bob", "bob-secret", kFirstFactor);
  BOOST_TEST_REQUIRE(bob.allowed(), to_string(bob.reason));
  BOOST_TEST(bob.failures_pending);
  BOOST_TEST(store.user(2)->failed_logins == 1);
  locking.second_factor_passed(bob);
  BOOST_TEST(store.record_successful_login_calls == 1);
  BOOST_TEST(store.user(2)->failed_logins == 0);
  // Without TOTP the password is the whole sign-in and clears at once; nothing is pending.
  CHECK_DENIED(verify("alice", "guess", kFirstFactor), bad_password);
  const Decision alice = verify("alice", "correct horse", kFirstFactor);
  BOOST_TEST_REQUIRE(alice.allowed());
  BOOST_TEST(!alice.failures_pending);
  BOOST_TEST(store.record_successful_login_calls == 2);
  locking.second_factor_passed(alice);
  BOOST_TEST(store.record_successful_login_calls == 2);
}

BOOST_AUTO_TEST_CASE(failures_that_name_no_account_are_not_counted) {
  CHECK_DENIED(verify("mallory", "x", kDefault), unknown_user);
  CHECK_DENIED(verify("alice", unknown_app, kAppOnly), bad_password);  // no account to charge
  CHECK_DENIED(verify("alice", with_typo(alice_app), kAppOnly), not_an_app_password);
  CHECK_DENIED(verify("bob", alice_app, kDefault), app_password_wrong_user);
  BOOST_TEST(store.writes() == 0);
  // App-shaped but unknown, on a route that also takes the account password: that guess
  // was checked against alice's account password, so it counts.
  CHECK_DENIED(verify("alice", unknown_app, kDefault), bad_password);
  BOOST_TEST(store.record_failed_login_calls == 1);
  BOOST_TEST(store.user(1)->failed_logins == 1);
}

BOOST_AUTO_TEST_CASE(a_right_password_that_does_not_log_in_neither_counts_nor_clears) {
  CHECK_DENIED(verify("bob", "guess", kDefault), bad_password);
  CHECK_DENIED(verify("bob", "bob-secret", kDefault), totp_requires_app_password);
  CHECK_DENIED(verify("carol", "carol-pw", kDefault), account_disabled);
  BOOST_TEST(store.user(2)->failed_logins == 1);
  BOOST_TEST(store.record_successful_login_calls == 0);
  BOOST_TEST(store.record_failed_login_calls == 1);
}

BOOST_AUTO_TEST_CASE(lock_bookkeeping_failures_fail_closed) {
  store.fail_writes = true;
  CHECK_DENIED(verify("alice", "guess", kDefault), store_unavailable);
  store.user(1)->failed_logins = 1;
  CHECK_DENIED(verify("alice", "correct horse", kDefault), store_unavailable);
  BOOST_TEST(verify("alice", alice_app, kDefault).allowed());  // writes nothing
  store.fail_writes = false;
  BOOST_TEST(verify("alice", "correct horse", kDefault).allowed());
}

// Deferred: verify reports the failure instead of writing it, so a known user's refusal costs
// no more than an unknown user's; the caller writes it after answering.
BOOST_AUTO_TEST_CASE(deferred_failures_are_reported_then_recorded_by_the_caller) {
  Authenticator deferred(store, hasher, kLockAfterThree,
                         Authenticator::FailureRecording::deferred);
  const Decision wrong =
      deferred.verify(BasicCredentials{"alice", "guess"}, kDefault);
  CHECK_DENIED(wrong, bad_password);
  BOOST_TEST_REQUIRE(wrong.failed_user_id.has_value());
  BOOST_TEST(*wrong.failed_user_id == 1);
  BOOST_TEST(store.writes() == 0);
  const Decision unknown = deferred.verify(BasicCredentials{"mallory", "guess"}, kDefault);
  BOOST_TEST(!unknown.failed_user_id.has_value());
  for (int i = 0; i < 3; ++i) deferred.record_failure(1);
  BOOST_TEST(store.locked_events.size() == 1u);
  store.fail_writes = true;
  deferred.record_failure(1);  // never throws
}

BOOST_AUTO_TEST_CASE(default_lock_policy_locks_after_ten) {
  BOOST_TEST(auth.lock_policy().lock_after == 10);
  BOOST_TEST((auth.lock_policy().lock_duration == 60s));
  BOOST_TEST((auth.lock_policy().lock_duration_max == 1h));
  for (int i = 0; i < 9; ++i) CHECK_DENIED(auth.verify({"alice", "guess"}, kDefault), bad_password);
  BOOST_TEST(store.locked_events.empty());
  CHECK_DENIED(auth.verify({"alice", "guess"}, kDefault), bad_password);
  BOOST_TEST(store.locked_events.size() == 1u);
  CHECK_DENIED(auth.verify({"alice", "correct horse"}, kDefault), account_locked);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(policy)

BOOST_AUTO_TEST_CASE(policy_admits_cached_identities) {
  Identity app;
  app.credential = CredentialType::app_password;
  Identity account;
  account.credential = CredentialType::account_password;
  Identity account_totp = account;
  account_totp.totp_enabled = true;

  BOOST_TEST(policy_admits(kDefault, app));
  BOOST_TEST(policy_admits(kAppOnly, app));
  BOOST_TEST(!policy_admits(kAccountOnly, app));
  BOOST_TEST(!policy_admits(kNothing, app));

  BOOST_TEST(policy_admits(kDefault, account));
  BOOST_TEST(policy_admits(kFirstFactor, account));
  BOOST_TEST(policy_admits(kAccountOnly, account));
  BOOST_TEST(!policy_admits(kAppOnly, account));
  BOOST_TEST(!policy_admits(kNothing, account));

  // §5.1 holds for cached identities too, under every policy.
  BOOST_TEST(!policy_admits(kDefault, account_totp));
  BOOST_TEST(!policy_admits(kAccountOnly, account_totp));
  BOOST_TEST(!policy_admits(kFirstFactor, account_totp));
  BOOST_TEST(!policy_admits(kAppOnly, account_totp));
}

BOOST_AUTO_TEST_SUITE_END()

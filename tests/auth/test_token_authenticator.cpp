// The authenticator's token paths: Bearer (RFC 6750) and a token as the password of Basic auth.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include "auth/app_password.hpp"
#include "auth/authenticator.hpp"
#include "auth/password_hash.hpp"
#include "auth/token.hpp"
#include "tests/auth/in_memory_store.hpp"

using namespace latchkey::auth;
using latchkey::auth::testing::InMemoryStore;

namespace {

const Argon2Params kFast{1, 256, 1};

Policy tokens_and_app_passwords() {
  Policy p;
  p.accept_app_password = true;
  p.accept_token = true;
  p.account_password = AccountPasswordPolicy::deny;
  return p;
}

struct Fixture {
  Fixture() : hasher("pepper-pepper-pepper-pepper-0001"), store(hasher), auth(store, hasher) {
    store.add_user({1, "alice", "alice@example.org", hash_password("alice-pw", kFast), true});
    store.add_user({2, "bob", "", hash_password("bob-pw", kFast), false, true});  // disabled
    store.add_token(1, 100, "sync job", alice_token);
    store.add_token(1, 101, "reader", alice_reader, std::vector<std::string>{"tracker:read"});
    store.add_token(2, 102, "old", bob_token);
    store.add_token(1, 103, "YouTrack Mobile", alice_access);
    store.add_token(1, 104, "YouTrack Mobile", alice_refresh);
  }

  KeyedHasher hasher;
  InMemoryStore store;
  Authenticator auth;
  const std::string alice_token = generate_token(TokenKind::permanent);
  const std::string alice_reader = generate_token(TokenKind::permanent);
  const std::string bob_token = generate_token(TokenKind::permanent);
  const std::string alice_access = generate_token(TokenKind::access);
  const std::string alice_refresh = generate_token(TokenKind::refresh);
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_authenticator, Fixture)

BOOST_AUTO_TEST_CASE(bearer_token_allows_with_one_lookup_and_names_the_credential) {
  const Decision d = auth.verify_bearer(alice_token, tokens_and_app_passwords());
  BOOST_TEST_REQUIRE(d.allowed());
  BOOST_TEST(d.identity->username == "alice");
  BOOST_TEST((d.identity->credential == CredentialType::token));
  BOOST_TEST(d.identity->token_name == "sync job");
  BOOST_TEST(d.identity->credential_name() == "sync job");
  BOOST_TEST((d.identity->token_kind == TokenKind::permanent));
  BOOST_TEST(store.find_token_calls == 1);
  BOOST_TEST(store.find_user_calls == 0);
  const Decision access = auth.verify_bearer(alice_access, tokens_and_app_passwords());
  BOOST_TEST_REQUIRE(access.allowed());
  BOOST_TEST(access.identity->token_name == "YouTrack Mobile");
}

BOOST_AUTO_TEST_CASE(mistyped_token_is_refused_without_a_store_call) {
  std::string typo = alice_token;
  typo[8] = typo[8] == 'Q' ? 'R' : 'Q';
  BOOST_TEST(
      (auth.verify_bearer(typo, tokens_and_app_passwords()).reason == DenyReason::not_a_token));
  BOOST_TEST(store.find_token_calls == 0);
}

BOOST_AUTO_TEST_CASE(refresh_tokens_and_unknown_tokens_are_no_route_credential) {
  BOOST_TEST((auth.verify_bearer(alice_refresh, tokens_and_app_passwords()).reason ==
              DenyReason::bad_token));
  BOOST_TEST(store.find_token_calls == 0);
  BOOST_TEST((
      auth.verify_bearer(generate_token(TokenKind::permanent), tokens_and_app_passwords()).reason ==
      DenyReason::bad_token));
}

BOOST_AUTO_TEST_CASE(routes_without_tokens_refuse_bearer) {
  Policy p = tokens_and_app_passwords();
  p.accept_token = false;
  BOOST_TEST((auth.verify_bearer(alice_token, p).reason == DenyReason::bad_token));
  BOOST_TEST(store.find_token_calls == 0);
}

BOOST_AUTO_TEST_CASE(disabled_account_token_is_refused) {
  BOOST_TEST((auth.verify_bearer(bob_token, tokens_and_app_passwords()).reason ==
              DenyReason::account_disabled));
}

BOOST_AUTO_TEST_CASE(locked_account_token_is_refused_with_the_end_of_the_lock) {
  store.user(1)->locked_until = std::chrono::system_clock::now() + std::chrono::minutes(5);
  const Decision d = auth.verify_bearer(alice_token, tokens_and_app_passwords());
  BOOST_TEST((d.reason == DenyReason::account_locked));
  BOOST_TEST(d.locked_until.has_value());
}

BOOST_AUTO_TEST_CASE(token_as_basic_password_needs_its_own_username) {
  const Policy p = tokens_and_app_passwords();
  const Decision ok = auth.verify({"ALICE", alice_token}, p);  // usernames fold ASCII case
  BOOST_TEST_REQUIRE(ok.allowed());
  BOOST_TEST((ok.identity->credential == CredentialType::token));
  BOOST_TEST((auth.verify({"bob", alice_token}, p).reason == DenyReason::token_wrong_user));
  BOOST_TEST(store.find_app_password_calls == 0);  // never tried as an application password
}

BOOST_AUTO_TEST_CASE(token_only_route_refuses_anything_else_without_a_lookup) {
  Policy p;
  p.accept_app_password = false;
  p.accept_token = true;
  p.account_password = AccountPasswordPolicy::deny;
  BOOST_TEST(
      (auth.verify({"alice", generate_app_password()}, p).reason == DenyReason::not_a_token));
  BOOST_TEST(store.calls() == 0);
  BOOST_TEST(auth.verify({"alice", alice_token}, p).allowed());
}

BOOST_AUTO_TEST_CASE(scopes_admit_checks_the_credentials_scopes_and_policy_admits_the_kind) {
  Policy p = tokens_and_app_passwords();
  p.required_scopes = {"tracker:write"};
  const Decision reader = auth.verify_bearer(alice_reader, p);
  BOOST_TEST_REQUIRE(reader.allowed());
  BOOST_TEST(!scopes_admit(p, *reader.identity));
  const Decision all = auth.verify_bearer(alice_token, p);
  BOOST_TEST(scopes_admit(p, *all.identity));
  p.required_scopes = {"tracker:read"};
  BOOST_TEST(scopes_admit(p, *reader.identity));
  BOOST_TEST(policy_admits(p, *all.identity));
  p.accept_token = false;
  BOOST_TEST(!policy_admits(p, *all.identity));  // a cached token on a route without tokens
}

BOOST_AUTO_TEST_CASE(store_failure_fails_closed) {
  store.failure = InMemoryStore::Failure::store_unavailable;
  BOOST_TEST((auth.verify_bearer(alice_token, tokens_and_app_passwords()).reason ==
              DenyReason::store_unavailable));
}

BOOST_AUTO_TEST_SUITE_END()

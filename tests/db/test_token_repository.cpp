// The tokens table against a real PostgreSQL: permanent tokens, the OAuth pair lifecycle
// (rotation, reuse detection, revocation), and tokens dying with their application password.
#include <boost/test/unit_test.hpp>
#include <future>
#include <string>
#include <thread>

#include "auth/app_password.hpp"
#include "auth/token.hpp"
#include "db/connection_pool.hpp"
#include "db/errors.hpp"
#include "db/pg_credential_store.hpp"
#include "db/token_repository.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

struct Fixture : db_test::MigratedDatabase {
  db::TokenRepository tokens{*connection, "cli"};
  db::ConnectionPool pool{database.url(), 2};
  db::PgCredentialStore store{pool};

  Fixture() {
    repository.create_user("alice", "alice@example.com", "$argon2id$x");
    repository.create_user("bob", "", "$argon2id$x");
  }

  auth::Digest digest(const std::string& token) const {
    return hasher.digest(auth::token_digest_label(*auth::parse_token(token)), token);
  }

  // An application password of alice and a grant for it.
  auth::TokenGrant app_grant(const std::string& name, auth::Scopes scopes = std::nullopt) {
    const auto info =
        repository.create_app_password("alice", name, digest_of(auth::generate_app_password()));
    auth::TokenGrant grant;
    grant.user_id = number("SELECT id FROM users WHERE username = 'alice'");
    grant.username = "alice";
    grant.app_password_id = info.id;
    grant.name = name;
    grant.scopes = std::move(scopes);
    grant.client_id = "mobile";
    return grant;
  }

  struct Issued {
    std::string access;
    std::string refresh;
    auth::NewPair pair;
  };
  Issued new_pair() {
    Issued i{auth::generate_token(auth::TokenKind::access),
             auth::generate_token(auth::TokenKind::refresh),
             {}};
    i.pair = {digest(i.access), 1h, digest(i.refresh), 24h};
    return i;
  }

  bool live(const std::string& token) { return store.find_token(digest(token)).has_value(); }

  std::string events() {
    return text(
        "SELECT coalesce(string_agg(event, ' ' ORDER BY id), '') FROM audit_events "
        "WHERE event LIKE 'token.%'");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_repository, Fixture)

BOOST_AUTO_TEST_CASE(permanent_tokens_are_stored_as_digests_and_found_while_live) {
  const std::string token = auth::generate_token(auth::TokenKind::permanent);
  const auto info = tokens.create_permanent("ALICE", "sync", digest(token),
                                            std::vector<std::string>{"tracker:read"}, 90 * 24h);
  BOOST_TEST(info.expires_at.has_value());
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE digest::text LIKE '%" + token + "%'") == 0);
  const auto match = store.find_token(digest(token));
  BOOST_TEST_REQUIRE(match.has_value());
  BOOST_TEST(match->user.username == "alice");
  BOOST_TEST(match->name == "sync");
  BOOST_TEST((match->kind == auth::TokenKind::permanent));
  BOOST_TEST((match->scopes == auth::Scopes(std::vector<std::string>{"tracker:read"})));
  BOOST_TEST(events() == "token.created");
}

BOOST_AUTO_TEST_CASE(live_permanent_tokens_per_account_are_capped) {
  const auto cap = db::TokenRepository::kMaxLivePermanentTokens;
  const auto fresh = [this] { return digest(auth::generate_token(auth::TokenKind::permanent)); };
  for (std::int64_t i = 0; i < cap; ++i) {
    tokens.create_permanent("alice", "t" + std::to_string(i), fresh(), std::nullopt, std::nullopt);
  }
  const auto count = [this] { return number("SELECT count(*) FROM tokens"); };
  const auto before = count();
  try {
    tokens.create_permanent("alice", "one-more", fresh(), std::nullopt, std::nullopt);
    BOOST_FAIL("token beyond the cap accepted");
  } catch (const db::Conflict& e) {
    BOOST_TEST(std::string(e.what()).find("100 live tokens") != std::string::npos, e.what());
  }
  BOOST_TEST(count() == before);
  tokens.create_permanent("bob", "ci", fresh(), std::nullopt, std::nullopt);  // another account
  tokens.revoke_permanent("alice", "t0");  // a revoked one no longer counts
  tokens.create_permanent("alice", "one-more", fresh(), std::nullopt, std::nullopt);
}

BOOST_AUTO_TEST_CASE(names_are_unique_among_live_tokens_and_reusable_after_revocation) {
  tokens.create_permanent("alice", "ci", digest(auth::generate_token(auth::TokenKind::permanent)),
                          std::nullopt, std::nullopt);
  BOOST_CHECK_THROW(tokens.create_permanent(
                        "alice", "ci", digest(auth::generate_token(auth::TokenKind::permanent)),
                        std::nullopt, std::nullopt),
                    db::Conflict);
  tokens.revoke_permanent("alice", "ci");
  BOOST_CHECK_THROW(tokens.revoke_permanent("alice", "ci"), db::NotFound);
  tokens.create_permanent("alice", "ci", digest(auth::generate_token(auth::TokenKind::permanent)),
                          std::nullopt, std::nullopt);
  const auto list = tokens.list_permanent("alice");
  BOOST_TEST_REQUIRE(list.size() == 2u);
  BOOST_TEST((list[0].state == db::CredentialState::revoked));
  BOOST_TEST((list[1].state == db::CredentialState::active));
  BOOST_CHECK_THROW(tokens.list_permanent("nobody"), db::NotFound);
  BOOST_CHECK_THROW(
      tokens.create_permanent("nobody", "x", auth::Digest{}, std::nullopt, std::nullopt),
      db::NotFound);
}

BOOST_AUTO_TEST_CASE(revoked_and_expired_tokens_are_not_found) {
  const std::string token = auth::generate_token(auth::TokenKind::permanent);
  tokens.create_permanent("alice", "short", digest(token), std::nullopt, 1s);
  BOOST_TEST(live(token));
  execute("UPDATE tokens SET expires_at = now() - interval '1 second'");
  BOOST_TEST(!live(token));
  const auto list = tokens.list_permanent("alice");
  BOOST_TEST((list.at(0).state == db::CredentialState::expired));
}

BOOST_AUTO_TEST_CASE(issued_pairs_rotate_once_and_reuse_revokes_the_family) {
  const auth::TokenGrant grant = app_grant("YouTrack Mobile");
  const Issued first = new_pair();
  tokens.issue_pair(grant, first.pair);
  BOOST_TEST(live(first.access));
  BOOST_TEST(live(first.refresh));

  const Issued second = new_pair();
  const auto rotated = tokens.refresh(digest(first.refresh), "mobile", std::nullopt, second.pair);
  BOOST_TEST((rotated.status == auth::RefreshStatus::rotated));
  BOOST_TEST(rotated.grant.name == "YouTrack Mobile");
  BOOST_TEST(!live(first.refresh));  // spent
  BOOST_TEST(live(second.refresh));
  BOOST_TEST(live(first.access));  // access tokens live out their TTL

  const Issued third = new_pair();
  const auto replay = tokens.refresh(digest(first.refresh), "mobile", std::nullopt, third.pair);
  BOOST_TEST((replay.status == auth::RefreshStatus::reused));
  BOOST_TEST(!live(second.refresh));
  BOOST_TEST(!live(second.access));
  BOOST_TEST(!live(first.access));
  BOOST_TEST(!live(third.access));  // nothing of the replay was stored
  BOOST_TEST(events() == "token.issued token.refresh_reused");
  BOOST_TEST(
      text("SELECT detail->>'name' FROM audit_events WHERE event = 'token.refresh_reused'") ==
      "YouTrack Mobile");
}

BOOST_AUTO_TEST_CASE(expired_oauth_tokens_are_deleted_when_the_user_gets_new_ones) {
  const auth::TokenGrant grant = app_grant("phone");
  const Issued first = new_pair();
  tokens.issue_pair(grant, first.pair);
  const Issued second = new_pair();
  tokens.refresh(digest(first.refresh), "mobile", std::nullopt, second.pair);
  tokens.create_permanent("alice", "ci", digest(auth::generate_token(auth::TokenKind::permanent)),
                          std::nullopt, 1ms);
  const Issued bobs = new_pair();
  tokens.issue_pair(
      [&] {
        auth::TokenGrant g = grant;
        g.user_id = number("SELECT id FROM users WHERE username = 'bob'");
        g.username = "bob";
        g.app_password_id.reset();
        return g;
      }(),
      bobs.pair);
  // The first pair (its refresh token spent) and the permanent token run out.
  execute("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE kind = 'permanent' "
          "OR parent_id IS NULL");
  BOOST_TEST(number("SELECT count(*) FROM tokens") == 7);

  const Issued third = new_pair();
  const auto rotated = tokens.refresh(digest(second.refresh), "mobile", std::nullopt, third.pair);
  BOOST_TEST((rotated.status == auth::RefreshStatus::rotated));
  // alice's expired pair is gone; her live and spent-but-live tokens, her expired permanent
  // token (listed as expired) and bob's expired pair (another user) stay.
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE user_id = " +
                    std::to_string(grant.user_id)) == 5);
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE kind = 'permanent'") == 1);
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE user_id <> " +
                    std::to_string(grant.user_id)) == 2);
  BOOST_TEST(live(second.access));
  BOOST_TEST(live(third.refresh));
  // A spent refresh token still unexpired is remembered: its replay ends the grant.
  const auto replay = tokens.refresh(digest(second.refresh), "mobile", std::nullopt, new_pair().pair);
  BOOST_TEST((replay.status == auth::RefreshStatus::reused));
  BOOST_TEST(!live(third.refresh));
}

// A refresh locks its token, then (inserting the new pair) the account's row; a password
// change locks the account, then revokes the tokens: PostgreSQL ends one of the two as a
// deadlock, and the repository runs it again instead of failing the request.
// PostgreSQL aborts the transaction whose deadlock check runs once the cycle exists. On a slow
// machine (the sanitizer suite) that can be the test's own: the scenario then runs again, and
// the test fails if the refresh was never the one aborted.
BOOST_AUTO_TEST_CASE(a_refresh_ended_as_a_deadlock_is_run_again) {
  bool refresh_aborted = false;
  for (int attempt = 0; attempt < 3 && !refresh_aborted; ++attempt) {
    const auth::TokenGrant grant = app_grant("phone-" + std::to_string(attempt));
    const Issued first = new_pair();
    tokens.issue_pair(grant, first.pair);
    const std::string user_id = std::to_string(grant.user_id);

    const auto other = db::open_connection(database.url());
    pqxx::work change(*other);
    change.exec("SELECT 1 FROM users WHERE id = " + user_id + " FOR UPDATE");
    const Issued second = new_pair();
    auto refreshed = std::async(std::launch::async, [&] {
      return tokens.refresh(digest(first.refresh), "mobile", std::nullopt, second.pair);
    });
    // Once the refresh waits for the account's row, the change takes the refresh token's.
    const auto watcher = db::open_connection(database.url());
    bool waiting = false;
    for (int i = 0; i < 100 && !waiting; ++i) {
      std::this_thread::sleep_for(50ms);
      pqxx::nontransaction look(*watcher);
      waiting = look.exec1("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")[0]
                    .as<int>() > 0;
    }
    BOOST_TEST_REQUIRE(waiting);
    try {
      change.exec("UPDATE tokens SET revoked_at = now() WHERE user_id = " + user_id +
                  " AND revoked_at IS NULL");
      change.commit();
    } catch (const pqxx::deadlock_detected&) {
      refreshed.get();  // the change was aborted instead, and the refresh went through
      continue;
    }
    refresh_aborted = true;
    const auth::RefreshResult result = refreshed.get();  // threw before: deadlock detected
    // Run again after the change committed, the refresh finds its token revoked.
    BOOST_TEST((result.status == auth::RefreshStatus::inactive));
    BOOST_TEST(!live(second.access));
  }
  BOOST_TEST(refresh_aborted, "three times the test's own transaction was the deadlock's victim");
}

BOOST_AUTO_TEST_CASE(refresh_checks_client_scope_and_unknown_tokens) {
  const auth::TokenGrant grant = app_grant("phone", std::vector<std::string>{"tracker:read"});
  const Issued first = new_pair();
  tokens.issue_pair(grant, first.pair);
  const Issued next = new_pair();
  BOOST_TEST((tokens.refresh(digest(first.refresh), "other", std::nullopt, next.pair).status ==
              auth::RefreshStatus::client_mismatch));
  BOOST_TEST((tokens
                  .refresh(digest(first.refresh), "mobile",
                           std::vector<std::string>{"tracker:write"}, next.pair)
                  .status == auth::RefreshStatus::scope_exceeded));
  BOOST_TEST((tokens
                  .refresh(digest(auth::generate_token(auth::TokenKind::refresh)), "mobile",
                           std::nullopt, next.pair)
                  .status == auth::RefreshStatus::unknown));
  BOOST_TEST(live(first.refresh));  // none of those spent it
  const auto ok = tokens.refresh(digest(first.refresh), "mobile", std::nullopt, next.pair);
  BOOST_TEST((ok.status == auth::RefreshStatus::rotated));
  BOOST_TEST((ok.grant.scopes == auth::Scopes(std::vector<std::string>{"tracker:read"})));
  BOOST_TEST((store.find_token(digest(next.access))->scopes ==
              auth::Scopes(std::vector<std::string>{"tracker:read"})));
}

// RFC 6749 §6: a narrower scope on refresh narrows the new access token, never the grant.
BOOST_AUTO_TEST_CASE(a_narrowed_refresh_keeps_the_grants_scopes_on_the_new_refresh_token) {
  const std::vector<std::string> both{"tracker:read", "tracker:write"};
  const auth::TokenGrant grant = app_grant("phone", both);
  const Issued first = new_pair();
  tokens.issue_pair(grant, first.pair);
  const Issued second = new_pair();
  const auto narrowed = tokens.refresh(digest(first.refresh), "mobile",
                                       std::vector<std::string>{"tracker:read"}, second.pair);
  BOOST_TEST_REQUIRE((narrowed.status == auth::RefreshStatus::rotated));
  BOOST_TEST((narrowed.grant.scopes == auth::Scopes(std::vector<std::string>{"tracker:read"})));
  BOOST_TEST((store.find_token(digest(second.access))->scopes ==
              auth::Scopes(std::vector<std::string>{"tracker:read"})));
  BOOST_TEST((store.find_token(digest(second.refresh))->scopes == auth::Scopes(both)));
  const Issued third = new_pair();
  const auto widened_again = tokens.refresh(digest(second.refresh), "mobile",
                                            std::vector<std::string>{"tracker:write"}, third.pair);
  BOOST_TEST((widened_again.status == auth::RefreshStatus::rotated));
  BOOST_TEST((store.find_token(digest(third.access))->scopes ==
              auth::Scopes(std::vector<std::string>{"tracker:write"})));
}

// A lock ends by itself: refused for now, with its end, and the token is not spent.
BOOST_AUTO_TEST_CASE(refresh_for_a_locked_account_says_until_when_and_spends_nothing) {
  const auth::TokenGrant grant = app_grant("laptop");
  const Issued first = new_pair();
  tokens.issue_pair(grant, first.pair);
  execute("UPDATE users SET locked_until = now() + interval '10 minutes' WHERE username = 'alice'");
  const Issued next = new_pair();
  const auto locked = tokens.refresh(digest(first.refresh), "mobile", std::nullopt, next.pair);
  BOOST_TEST((locked.status == auth::RefreshStatus::account_locked));
  BOOST_TEST_REQUIRE(locked.locked_until.has_value());
  BOOST_TEST((*locked.locked_until > std::chrono::system_clock::now() + 9min));
  BOOST_TEST(live(first.refresh));
  repository.disable_user("alice");  // disabled outranks locked: that one does not end
  BOOST_TEST((tokens.refresh(digest(first.refresh), "mobile", std::nullopt, next.pair).status ==
              auth::RefreshStatus::account_refused));
  execute("UPDATE users SET disabled = false, locked_until = NULL WHERE username = 'alice'");
  BOOST_TEST((tokens.refresh(digest(first.refresh), "mobile", std::nullopt, next.pair).status ==
              auth::RefreshStatus::rotated));
}

BOOST_AUTO_TEST_CASE(tokens_die_with_their_application_password) {
  const auth::TokenGrant grant = app_grant("tablet");
  const Issued pair = new_pair();
  tokens.issue_pair(grant, pair.pair);
  repository.revoke_app_password("alice", "tablet");
  BOOST_TEST(!live(pair.access));
  BOOST_TEST(!live(pair.refresh));
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE revoked_at IS NULL") == 0);
  const Issued next = new_pair();
  BOOST_TEST((tokens.refresh(digest(pair.refresh), "mobile", std::nullopt, next.pair).status ==
              auth::RefreshStatus::inactive));
  // An expired application password ends them too, with no revocation at all.
  const auth::TokenGrant other = app_grant("watch");
  const Issued second = new_pair();
  tokens.issue_pair(other, second.pair);
  execute("UPDATE app_passwords SET expires_at = now() - interval '1 second' WHERE name = 'watch'");
  BOOST_TEST(!live(second.access));
}

BOOST_AUTO_TEST_CASE(revoke_by_digest_ends_a_refresh_tokens_whole_grant) {
  const auth::TokenGrant grant = app_grant("laptop");
  const Issued pair = new_pair();
  tokens.issue_pair(grant, pair.pair);
  BOOST_TEST(tokens.revoke(digest(pair.refresh)));
  BOOST_TEST(!live(pair.access));
  BOOST_TEST(!tokens.revoke(digest(pair.refresh)));  // already revoked
  BOOST_TEST(!tokens.revoke(digest(auth::generate_token(auth::TokenKind::access))));
}

BOOST_AUTO_TEST_CASE(app_password_scopes_are_stored_and_found) {
  const std::string canonical = auth::generate_app_password();
  repository.create_app_password("bob", "scoped", digest_of(canonical),
                                 std::vector<std::string>{"a", "b"});
  const auto match = store.find_app_password(digest_of(canonical));
  BOOST_TEST_REQUIRE(match.has_value());
  BOOST_TEST((match->scopes == auth::Scopes(std::vector<std::string>{"a", "b"})));
  const std::string unscoped = auth::generate_app_password();
  repository.create_app_password("bob", "all", digest_of(unscoped));
  BOOST_TEST(!store.find_app_password(digest_of(unscoped))->scopes.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// DESIGN.md §5.1 against a real PostgreSQL: what the account password alone obtained (OAuth
// grants of the password grant, self-service sessions) ends when TOTP is turned on and when the
// password changes, by either path; application passwords and their grants stay.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <optional>
#include <pqxx/notification>
#include <string>
#include <vector>

#include "auth/app_password.hpp"
#include "auth/token.hpp"
#include "db/connection_pool.hpp"
#include "db/errors.hpp"
#include "db/pg_credential_store.hpp"
#include "db/session_store.hpp"
#include "db/statements.hpp"
#include "db/token_repository.hpp"
#include "db_fixture.hpp"

using namespace latchkey;
using namespace std::chrono_literals;

namespace {

// The payloads of kCredentialsChangedChannel that a replica would see.
class ChangeNotices final : public pqxx::notification_receiver {
 public:
  explicit ChangeNotices(pqxx::connection_base& connection)
      : pqxx::notification_receiver(connection, std::string(db::kCredentialsChangedChannel)) {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

struct Fixture : db_test::MigratedDatabase {
  const std::string sealed = "sealed-secret-bytes";
  std::int64_t user_id = repository.create_user("uli", "", "$argon2id$old").id;
  db::TokenRepository tokens{*connection, "cli"};
  db::ConnectionPool pool{database.url(), 2};
  db::PgCredentialStore store{pool};
  db::SessionStore sessions{*connection, {1h, 2h}};

  struct Issued {
    std::string access;
    std::string refresh;
    auth::NewPair pair;
  };

  auth::Digest token_digest(const std::string& token) const {
    return hasher.digest(auth::token_digest_label(*auth::parse_token(token)), token);
  }
  auth::Digest session(const std::string& name) const { return hasher.digest("test", name); }

  Issued new_pair() const {
    Issued i{auth::generate_token(auth::TokenKind::access),
             auth::generate_token(auth::TokenKind::refresh),
             {}};
    i.pair = {token_digest(i.access), 1h, token_digest(i.refresh), 24h};
    return i;
  }

  // A pair as the password grant issues it: from the account password, or from `app_password`.
  Issued grant(std::optional<std::int64_t> app_password_id = std::nullopt) {
    auth::TokenGrant g;
    g.user_id = user_id;
    g.username = "uli";
    g.app_password_id = app_password_id;
    g.name = app_password_id ? "phone" : "account password";
    g.client_id = "mobile";
    Issued issued = new_pair();
    tokens.issue_pair(g, issued.pair);
    return issued;
  }

  Issued app_password_grant() {
    const auto info =
        repository.create_app_password("uli", "phone", digest_of(auth::generate_app_password()));
    return grant(info.id);
  }

  bool live(const std::string& token) { return store.find_token(token_digest(token)).has_value(); }

  auth::RefreshStatus refresh(const Issued& issued) {
    return tokens.refresh(token_digest(issued.refresh), "mobile", std::nullopt, new_pair().pair)
        .status;
  }

  void open_sessions() {
    const db::SignInProof signed_in{"$argon2id$old", false};
    BOOST_TEST_REQUIRE(sessions.create(session("mine"), user_id, "127.0.0.1", signed_in));
    BOOST_TEST_REQUIRE(sessions.create(session("other"), user_id, "127.0.0.2", signed_in));
  }

  void confirm_totp(const std::optional<auth::Digest>& keep_session = std::nullopt) {
    repository.set_totp_pending(user_id, sealed);
    repository.confirm_totp(user_id, sealed, 100, {}, keep_session);
  }

  // "event reason" of every audit row that ended a credential, oldest first.
  std::string endings() {
    return text(
        "SELECT coalesce(string_agg(event || ' ' || (detail->>'reason'), ', ' ORDER BY id), '') "
        "FROM audit_events WHERE detail ? 'reason'");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(account_password_revocation, Fixture)

BOOST_AUTO_TEST_CASE(totp_on_revokes_password_grants_and_every_session_from_the_cli) {
  const Issued password = grant();
  const Issued app = app_password_grant();
  const std::string permanent = auth::generate_token(auth::TokenKind::permanent);
  tokens.create_permanent("uli", "ci", token_digest(permanent), std::nullopt, std::nullopt);
  open_sessions();
  BOOST_TEST_REQUIRE(live(password.access));

  confirm_totp();

  BOOST_TEST(!live(password.access));
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE app_password_id IS NULL "
                    "AND kind <> 'permanent' AND revoked_at IS NULL") == 0);
  BOOST_TEST((refresh(password) == auth::RefreshStatus::inactive));
  BOOST_TEST(live(app.access));
  BOOST_TEST(live(permanent));
  BOOST_TEST((refresh(app) == auth::RefreshStatus::rotated));
  BOOST_TEST(!sessions.touch(session("mine")).has_value());
  BOOST_TEST(!sessions.touch(session("other")).has_value());
  BOOST_TEST(endings() == "token.revoked totp.enabled, sessions.ended totp.enabled");
  BOOST_TEST(text("SELECT detail::text FROM audit_events WHERE event = 'token.revoked'") ==
             "{\"kind\": \"access+refresh\", \"name\": \"account password\", \"reason\": "
             "\"totp.enabled\", \"client_id\": \"mobile\", \"family_id\": " +
                 text("SELECT family_id FROM tokens WHERE app_password_id IS NULL "
                      "AND kind = 'access'") +
                 "}");
  BOOST_TEST(text("SELECT detail->>'count' FROM audit_events WHERE event = 'sessions.ended'") ==
             "2");
}

BOOST_AUTO_TEST_CASE(totp_on_from_the_page_keeps_the_callers_session) {
  open_sessions();
  confirm_totp(session("mine"));
  BOOST_TEST(sessions.touch(session("mine")).has_value());
  BOOST_TEST(!sessions.touch(session("other")).has_value());
  BOOST_TEST(text("SELECT detail->>'count' FROM audit_events WHERE event = 'sessions.ended'") ==
             "1");
}

BOOST_AUTO_TEST_CASE(a_refused_totp_confirm_ends_nothing) {
  const Issued password = grant();
  open_sessions();
  repository.set_totp_pending(user_id, sealed);
  BOOST_CHECK_THROW(repository.confirm_totp(user_id, "another secret", 100), db::Conflict);
  BOOST_TEST(live(password.access));
  BOOST_TEST(sessions.touch(session("other")).has_value());
  BOOST_TEST(endings() == "");
}

BOOST_AUTO_TEST_CASE(self_service_password_change_revokes_password_grants_keeps_the_caller) {
  const Issued password = grant();
  const Issued app = app_password_grant();
  open_sessions();
  BOOST_TEST(repository.change_password(user_id, "$argon2id$new", false, session("mine")) == 0);
  BOOST_TEST(!live(password.access));
  BOOST_TEST((refresh(password) == auth::RefreshStatus::inactive));
  BOOST_TEST(live(app.access));  // "also revoke" unticked: application passwords stay
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE revoked_at IS NULL") == 1);
  BOOST_TEST(sessions.touch(session("mine")).has_value());
  BOOST_TEST(!sessions.touch(session("other")).has_value());
  BOOST_TEST(endings() ==
             "token.revoked user.password_changed, sessions.ended user.password_changed");
}

BOOST_AUTO_TEST_CASE(admin_password_reset_revokes_password_grants_and_every_session) {
  const Issued password = grant();
  const Issued app = app_password_grant();
  open_sessions();
  repository.set_password("uli", "$argon2id$reset");
  BOOST_TEST(!live(password.access));
  BOOST_TEST((refresh(password) == auth::RefreshStatus::inactive));
  BOOST_TEST(live(app.access));
  BOOST_TEST(number("SELECT count(*) FROM app_passwords WHERE revoked_at IS NULL") == 1);
  BOOST_TEST(!sessions.touch(session("mine")).has_value());
  BOOST_TEST(!sessions.touch(session("other")).has_value());
  BOOST_TEST(endings() ==
             "token.revoked user.password_changed, sessions.ended user.password_changed");
  BOOST_TEST(text("SELECT string_agg(DISTINCT source, ',') FROM audit_events") == "cli");
}

BOOST_AUTO_TEST_CASE(only_live_grants_are_revoked_and_audited_once) {
  const Issued spent = grant();
  BOOST_TEST_REQUIRE((refresh(spent) == auth::RefreshStatus::rotated));
  const Issued expired = grant();
  execute("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE family_id = " +
          text("SELECT family_id FROM tokens WHERE digest = decode('" +
               auth::to_hex(token_digest(expired.access)) + "', 'hex')"));
  repository.set_password("uli", "$argon2id$one");
  // The rotated family (still live) is one row; the expired one, nothing to end, none.
  BOOST_TEST(endings() == "token.revoked user.password_changed");
  repository.set_password("uli", "$argon2id$two");
  BOOST_TEST(endings() == "token.revoked user.password_changed");
}

BOOST_AUTO_TEST_CASE(password_grants_die_once_totp_is_on_even_without_the_revocation) {
  const Issued password = grant();
  const Issued app = app_password_grant();
  // As if TOTP came on by a path that skipped the revocation.
  execute("UPDATE users SET totp_secret_sealed = decode('00', 'hex'), totp_enabled = true");
  BOOST_TEST((refresh(password) == auth::RefreshStatus::inactive));
  BOOST_TEST(!live(password.access));
  BOOST_TEST(number("SELECT count(*) FROM tokens WHERE used_at IS NOT NULL") == 0);  // not spent
  BOOST_TEST(number("SELECT count(*) FROM tokens") == 4);  // and nothing issued
  BOOST_TEST(live(app.access));
  BOOST_TEST((refresh(app) == auth::RefreshStatus::rotated));
}

BOOST_AUTO_TEST_CASE(each_ending_notifies_replicas_at_commit) {
  auto listening = db::open_connection(database.url());
  ChangeNotices notices(*listening);
  grant();
  confirm_totp();
  repository.disable_totp("uli");
  repository.change_password(user_id, "$argon2id$new", false, session("mine"));
  repository.set_password("uli", "$argon2id$reset");
  for (int i = 0; i < 50 && notices.payloads.size() < 4; ++i)
    listening->await_notification(0, 100'000);
  BOOST_TEST(notices.payloads == std::vector<std::string>(4, std::to_string(user_id)),
             boost::test_tools::per_element());
}

// A grant checked against the old password but stored after the change (or after TOTP came
// on) would otherwise outlive the revocation that ran before it existed.
BOOST_AUTO_TEST_CASE(a_grant_that_raced_a_password_change_or_totp_is_not_stored) {
  auth::TokenGrant g;
  g.user_id = user_id;
  g.username = "uli";
  g.name = "account password";
  g.checked_password_hash = "$argon2id$old";
  const Issued first = new_pair();
  BOOST_TEST(tokens.issue_pair(g, first.pair));  // still the account's password
  BOOST_TEST(live(first.access));

  repository.set_password("uli", "$argon2id$new");
  const std::string issued_before = text("SELECT count(*) FROM tokens");
  const std::string audited_before = text("SELECT count(*) FROM audit_events");
  const Issued raced = new_pair();
  BOOST_TEST(!tokens.issue_pair(g, raced.pair));
  BOOST_TEST(!live(raced.access));
  BOOST_TEST(text("SELECT count(*) FROM tokens") == issued_before);
  BOOST_TEST(text("SELECT count(*) FROM audit_events") == audited_before);

  g.checked_password_hash = "$argon2id$new";
  confirm_totp();
  BOOST_TEST(!tokens.issue_pair(g, new_pair().pair));
  // Application-password grants carry no password hash and are not affected.
  BOOST_TEST(live(app_password_grant().access));
}

BOOST_AUTO_TEST_SUITE_END()

// The admin subcommands, run as the real `latchkey` binary against a fresh database.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "auth/app_password.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/password_hash.hpp"
#include "auth/totp.hpp"
#include "tests/db/cli_fixture.hpp"

using namespace latchkey;

namespace {

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 0x0F]);
  }
  return out;
}

using test::contains;
using test::lines_of;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct CliFixture : cli_test::LatchkeyCli {
  CliFixture() : LatchkeyCli("cli") {}

  void migrate() const { ok({"migrate"}); }

  // Contents of every table: a failed command must leave it unchanged.
  std::string snapshot() const {
    return sql(
        "SELECT concat_ws('|', "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM users t), "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM app_passwords t), "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM audit_events t), "
        "(SELECT count(*) FROM audit_events))");
  }

  // The text of every column of every row of every table in the schema.
  std::string all_text() const {
    std::string text;
    for (const char* table : {"users", "app_passwords", "audit_events", "schema_migrations",
                              "tokens", "self_service_sessions", "recovery_codes"}) {
      text += sql(std::string("SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM ") + table +
                  " t") +
              "\n";
    }
    BOOST_TEST_REQUIRE(sql("SELECT count(*) FROM information_schema.tables WHERE "
                           "table_schema = 'public'") == "7");  // a new table joins the scan
    return text;
  }
};

// Exit 2 (bad arguments), one line on stderr naming the problem, nothing on stdout.
void expect_usage_error(const test::ProcessResult& result, const std::string& fragment) {
  cli_test::expect_exit(result, 2, fragment);
}

// Exit 1, one line on stderr naming the problem.
void expect_failure(const test::ProcessResult& result, const std::string& fragment) {
  BOOST_TEST(result.exit_code == 1, test::describe(result));
  BOOST_TEST(lines_of(result.err).size() == 1u, test::describe(result));
  BOOST_TEST(contains(result.err, fragment), test::describe(result) << " lacks " << fragment);
}

struct Case {
  std::vector<std::string> args;
  std::string input;
  std::string fragment;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli, CliFixture)

BOOST_AUTO_TEST_CASE(every_command_has_help_without_config) {
  const std::vector<std::vector<std::string>> commands{
      {"migrate", "--help"},
      {"user", "--help"},
      {"user", "add", "--help"},
      {"user", "add", "alice", "--password-stdin", "--help"},
      {"user", "list", "--help"},
      {"user", "disable", "-h"},
      {"user", "passwd", "--help"},
      {"user", "unlock", "--help"},
      {"totp", "--help"},
      {"totp", "enable", "--help"},
      {"totp", "confirm", "--help"},
      {"totp", "disable", "--help"},
      {"app-password", "--help"},
      {"app-password", "new", "--help"},
      {"app-password", "list", "--help"},
      {"app-password", "revoke", "--help"},
  };
  for (const auto& args : commands) {
    const auto result = run_with({}, args);
    BOOST_TEST(result.exit_code == 0, args[0] << ": " << test::describe(result));
    BOOST_TEST(result.out.starts_with("usage: latchkey "), test::describe(result));
    BOOST_TEST(result.err.empty(), test::describe(result));
  }
}

BOOST_AUTO_TEST_CASE(migrate_is_required_then_idempotent) {
  expect_failure(run({"user", "list"}), "run `latchkey migrate` first");
  auto result = ok({"migrate"});
  // Later migrations may follow; these come first, in order.
  BOOST_TEST(result.out.starts_with("applied 0001_initial.sql\napplied 0002_account_lock.sql\n"),
             result.out);
  const std::string applied =
      sql("SELECT string_agg(name, ',' ORDER BY name) FROM schema_migrations");
  result = ok({"migrate"});
  BOOST_TEST(result.out == "database schema is up to date\n");
  BOOST_TEST(applied.starts_with("0001_initial.sql,0002_account_lock.sql"), applied);
  expect_usage_error(run({"migrate", "now"}), "unexpected argument \"now\"");
}

BOOST_AUTO_TEST_CASE(missing_config_is_a_usage_error) {
  expect_usage_error(run_with({}, {"user", "list"}), "--config");
}

BOOST_AUTO_TEST_CASE(database_down_fails_without_leaking_the_password) {
  const auto config =
      write_config("down.yaml", "postgresql://latchkey:Sup3rSecretPw@127.0.0.1:1/postgres");
  const auto result = run_with(config, {"user", "list"});
  expect_failure(result, "cannot connect to PostgreSQL");
  BOOST_TEST(!contains(result.err, "Sup3rSecretPw"), result.err);
  BOOST_TEST(contains(result.err, "127.0.0.1:1"), result.err);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_and_write_nothing) {
  migrate();
  ok({"user", "add", "alice", "--password-stdin"}, "correct horse\n");
  ok({"app-password", "new", "alice", "--name", "laptop"});
  const std::string before = snapshot();
  const std::vector<Case> cases{
      {{"user"}, "", "missing action"},
      {{"user", "frob"}, "", "unknown action \"frob\""},
      {{"user", "add"}, "pw\n", "missing USER"},
      {{"user", "add", "bob"}, "pw\n", "--password-stdin is required"},
      {{"user", "add", "bob", "--password-stdin"}, "", "no password on standard input"},
      {{"user", "add", "bob", "--password-stdin"}, "\n", "the password is empty"},
      {{"user", "add", "bob", "--password-stdin"}, "\r\n", "the password is empty"},
      {{"user", "add", "bob", "--password-stdin"}, "a\tb\n", "control character"},
      {{"user", "add", "bob", "--password-stdin", "--verbose"},
       "pw\n",
       "unknown option \"--verbose\""},
      {{"user", "add", "bob", "carol", "--password-stdin"},
       "pw\n",
       "unexpected argument \"carol\""},
      {{"user", "add", "bo:b", "--password-stdin"}, "pw\n", "contains ':'"},
      {{"user", "add", "bob", "--email"}, "pw\n", "--email needs a value"},
      {{"user", "add", "bob", "--email", "nope", "--password-stdin"}, "pw\n", "not an e-mail"},
      {{"user", "list", "extra"}, "", "unexpected argument \"extra\""},
      {{"user", "list", "--json=yes"}, "", "--json takes no value"},
      {{"user", "disable"}, "", "missing USER"},
      {{"user", "unlock"}, "", "missing USER"},
      {{"user", "unlock", "alice", "bob"}, "", "unexpected argument \"bob\""},
      {{"user", "unlock", "al:ice"}, "", "contains ':'"},
      {{"user", "passwd", "alice"}, "pw\n", "--password-stdin is required"},
      {{"user", "passwd", "alice", "--password-stdin", "--password-stdin"}, "pw\n", "given twice"},
      {{"totp"}, "", "missing action"},
      {{"totp", "enable"}, "", "missing USER"},
      {{"totp", "confirm", "alice"}, "123456\n", "--code-stdin is required"},
      {{"totp", "confirm", "alice", "--code-stdin"}, "", "must be the 6 digits"},
      {{"totp", "confirm", "alice", "--code-stdin"}, "12ab56\n", "must be the 6 digits"},
      {{"totp", "confirm", "alice", "--code-stdin"}, "1234567\n", "must be the 6 digits"},
      // On the command line, where ps and the shell history keep it: refused, never echoed.
      {{"totp", "confirm", "alice", "123456"}, "", "not on the command line"},
      {{"totp", "disable", "alice", "now"}, "", "unexpected argument \"now\""},
      {{"app-password"}, "", "missing action"},
      {{"app-password", "show", "alice"}, "", "unknown action \"show\""},
      {{"app-password", "new", "alice"}, "", "--name NAME is required"},
      {{"app-password", "new", "alice", "--name"}, "", "--name needs a value"},
      {{"app-password", "new", "alice", "--name", ""}, "", "NAME must not be empty"},
      {{"app-password", "new", "alice", "--name", std::string(101, 'n')}, "", "longer than 100"},
      {{"app-password", "list"}, "", "missing USER"},
      {{"app-password", "revoke", "alice"}, "", "missing NAME"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT((c.args.size() > 1 ? c.args[0] + " " + c.args[1] : c.args[0])) {
      expect_usage_error(run(c.args, c.input), c.fragment);
    }
  }
  BOOST_TEST(run({"totp", "confirm", "alice", "654321"}).err.find("654321") == std::string::npos);
  BOOST_TEST(snapshot() == before);
}

BOOST_AUTO_TEST_CASE(failures_exit_1_and_write_nothing) {
  migrate();
  ok({"user", "add", "Alice", "--password-stdin"}, "correct horse\n");
  ok({"app-password", "new", "alice", "--name", "laptop"});
  const std::string before = snapshot();
  const std::vector<Case> cases{
      {{"user", "add", "ALICE", "--password-stdin"}, "pw\n", "\"ALICE\" already exists"},
      {{"user", "disable", "nobody"}, "", "no user \"nobody\""},
      {{"user", "unlock", "nobody"}, "", "no user \"nobody\""},
      {{"user", "passwd", "nobody", "--password-stdin"}, "pw\n", "no user \"nobody\""},
      {{"totp", "enable", "nobody"}, "", "no user \"nobody\""},
      {{"totp", "confirm", "nobody", "--code-stdin"}, "123456\n", "no user \"nobody\""},
      {{"totp", "confirm", "alice", "--code-stdin"}, "123456\n", "no TOTP enrolment for Alice"},
      {{"totp", "disable", "alice"}, "", "TOTP is not enabled for \"Alice\""},
      {{"app-password", "new", "nobody", "--name", "x"}, "", "no user \"nobody\""},
      {{"app-password", "new", "alice", "--name", "laptop"},
       "",
       "already has an application password named \"laptop\""},
      {{"app-password", "list", "nobody"}, "", "no user \"nobody\""},
      {{"app-password", "revoke", "alice", "phone"},
       "",
       "no active application password named \"phone\""},
      {{"app-password", "revoke", "nobody", "laptop"}, "", "no user \"nobody\""},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.args[0] + " " + c.args[1]) {
      const auto result = run(c.args, c.input);
      expect_failure(result, c.fragment);
      BOOST_TEST(result.out.empty(), test::describe(result));
    }
  }
  BOOST_TEST(snapshot() == before);
}

BOOST_AUTO_TEST_CASE(user_lifecycle) {
  migrate();
  auto result = ok({"user", "add", "Alice", "--email", "alice@example.com", "--password-stdin"},
                   "first password\n");
  BOOST_TEST(contains(result.out, "created user Alice"));
  ok({"user", "add", "bob", "--password-stdin"}, "bob's password");  // no newline: fine

  result = ok({"user", "list"});
  const auto rows = lines_of(result.out);
  BOOST_REQUIRE(rows.size() == 3u);
  BOOST_TEST(rows[0].starts_with("USERNAME"));
  BOOST_TEST(rows[1].starts_with("Alice "));
  BOOST_TEST(contains(rows[1], "alice@example.com"));
  BOOST_TEST(contains(rows[1], "active"));
  BOOST_TEST(rows[2].starts_with("bob "));

  const std::string first_hash = sql("SELECT password_hash FROM users WHERE username = 'Alice'");
  BOOST_TEST(auth::verify_password(first_hash, "first password"));
  result = ok({"user", "passwd", "alice", "--password-stdin"}, "second password\r\n");
  const std::string second_hash = sql("SELECT password_hash FROM users WHERE username = 'Alice'");
  BOOST_TEST(auth::verify_password(second_hash, "second password"));
  BOOST_TEST(!auth::verify_password(second_hash, "first password"));
  BOOST_TEST(!contains(result.out + result.err, "second password"));  // never echoed

  ok({"user", "disable", "ALICE"});
  result = ok({"user", "disable", "alice"});
  BOOST_TEST(contains(result.out, "already disabled"));

  result = ok({"user", "list", "--json"});
  const auto users = boost::json::parse(result.out).as_array();
  BOOST_REQUIRE(users.size() == 2u);
  const auto& alice = users[0].as_object();
  BOOST_TEST(alice.at("username").as_string() == "Alice");
  BOOST_TEST(alice.at("email").as_string() == "alice@example.com");
  BOOST_TEST(alice.at("disabled").as_bool());
  BOOST_TEST(alice.at("totp").as_string() == "off");
  const std::string created(alice.at("created_at").as_string());
  BOOST_TEST((created.size() == 20u && created[10] == 'T' && created.back() == 'Z'), created);
  BOOST_TEST(!users[1].as_object().at("disabled").as_bool());

  BOOST_TEST(sql("SELECT string_agg(event, ' ' ORDER BY id) FROM audit_events") ==
             "user.created user.created user.password_changed user.disabled");
  const std::string text = all_text();
  for (const std::string secret : {"first password", "second password", "bob's password"}) {
    BOOST_TEST(!contains(text, secret), secret);
    BOOST_TEST(!contains(text, to_hex(secret)), secret);
  }
}

BOOST_AUTO_TEST_CASE(user_unlock_ends_a_lock_that_user_list_shows) {
  migrate();
  ok({"user", "add", "Alice", "--password-stdin"}, "pw\n");
  ok({"user", "add", "bob", "--password-stdin"}, "pw\n");
  // As the proxy leaves it after the third of three failures (db tests cover that path).
  sql("UPDATE users SET locked_until = date_trunc('second', now()) + interval '10 minutes', "
      "lock_count = 1 WHERE username = 'Alice' RETURNING id");
  const std::string until =
      sql("SELECT to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
          "FROM users WHERE username = 'Alice'");

  auto result = ok({"user", "list"});
  auto rows = lines_of(result.out);
  BOOST_REQUIRE(rows.size() == 3u);
  BOOST_TEST(contains(rows[0], "LOCKED-UNTIL"));
  BOOST_TEST(rows[1].ends_with(" " + until), rows[1]);
  BOOST_TEST(rows[2].ends_with(" -"), rows[2]);
  result = ok({"user", "list", "--json"});
  auto users = boost::json::parse(result.out).as_array();
  BOOST_TEST(users[0].as_object().at("locked_until").as_string() == until);
  BOOST_TEST(users[1].as_object().at("locked_until").is_null());

  result = ok({"user", "unlock", "alice"});
  BOOST_TEST(result.out == "unlocked user alice\n");
  result = ok({"user", "list", "--json"});
  users = boost::json::parse(result.out).as_array();
  BOOST_TEST(users[0].as_object().at("locked_until").is_null());
  BOOST_TEST(users[0].as_object().at("failed_logins").as_int64() == 0);
  BOOST_TEST(lines_of(ok({"user", "list"}).out)[1].ends_with(" -"));
  BOOST_TEST(sql("SELECT event || ' ' || source || ' ' || (detail->>'until') FROM audit_events "
                 "WHERE event = 'account.unlocked'") == "account.unlocked cli " + until);

  // Nothing to unlock: exit 0, said so, nothing written.
  const std::string before = snapshot();
  result = ok({"user", "unlock", "bob"});
  BOOST_TEST(result.out == "user bob was not locked\n");
  BOOST_TEST(snapshot() == before);
}

BOOST_AUTO_TEST_CASE(totp_enrolment_confirm_replay_disable) {
  migrate();
  ok({"user", "add", "alice", "--password-stdin"}, "pw\n");

  auto result = ok({"totp", "enable", "alice"});
  const auto lines = lines_of(result.out);
  BOOST_REQUIRE(lines.size() >= 2u);
  BOOST_TEST(lines[0].starts_with("otpauth://totp/latchkey:alice?secret="), lines[0]);
  BOOST_TEST(contains(lines[0], "issuer=latchkey"));
  BOOST_REQUIRE(lines[1].starts_with("secret: "));
  const std::string first_secret = lines[1].substr(8);
  BOOST_TEST(contains(lines[0], "secret=" + first_secret));
  BOOST_TEST(sql("SELECT totp_enabled FROM users") == "f");

  // Enrolling again replaces the pending secret; --json carries the same fields.
  result = ok({"totp", "enable", "alice", "--json"});
  const auto json = boost::json::parse(result.out).as_object();
  const std::string secret_base32(json.at("secret").as_string());
  BOOST_TEST(secret_base32 != first_secret);
  BOOST_TEST(contains(std::string(json.at("otpauth_uri").as_string()), secret_base32));
  BOOST_TEST(json.at("username").as_string() == "alice");
  const auto secret = auth::base32_decode(secret_base32);
  BOOST_REQUIRE(secret.has_value());
  BOOST_TEST(secret->size() == auth::kTotpSecretBytes);

  // A wrong code is refused and changes nothing.
  std::string before = snapshot();
  const std::int64_t step = auth::totp_step(now_seconds());
  const std::string code = auth::hotp_code(*secret, static_cast<std::uint64_t>(step));
  const std::string wrong = code == "000000" ? "111111" : "000000";
  expect_failure(run({"totp", "confirm", "alice", "--code-stdin"}, wrong + "\n"),
                 "TOTP code rejected");
  BOOST_TEST(snapshot() == before);

  result = ok({"totp", "confirm", "alice", "--code-stdin"}, code + " \r\n");  // as pasted
  BOOST_TEST(contains(result.out, "TOTP enabled for alice"));
  BOOST_TEST(sql("SELECT totp_enabled FROM users") == "t");
  BOOST_TEST(std::stoll(sql("SELECT totp_last_step FROM users")) >= step - 1);

  // The same code again is a replay: refused, nothing written.
  before = snapshot();
  expect_failure(run({"totp", "confirm", "alice", "--code-stdin"}, code + "\n"),
                 "TOTP code rejected");
  expect_failure(run({"totp", "enable", "alice"}), "already enabled");
  BOOST_TEST(snapshot() == before);

  result = ok({"user", "list", "--json"});
  BOOST_TEST(boost::json::parse(result.out).as_array()[0].as_object().at("totp").as_string() ==
             "enabled");

  ok({"totp", "disable", "alice"});
  BOOST_TEST(sql("SELECT totp_secret_sealed IS NULL AND NOT totp_enabled FROM users") == "t");
  BOOST_TEST(sql("SELECT string_agg(event, ' ' ORDER BY id) FROM audit_events") ==
             "user.created totp.pending totp.pending totp.enabled totp.disabled");

  const std::string text = all_text();
  for (const std::string& s : {first_secret, secret_base32, to_hex(*secret)}) {
    BOOST_TEST(!contains(text, s), s);
  }
}

BOOST_AUTO_TEST_CASE(app_password_lifecycle) {
  migrate();
  ok({"user", "add", "alice", "--password-stdin"}, "account password\n");

  auto result = ok({"app-password", "new", "alice", "--name", "laptop"});
  auto lines = lines_of(result.out);
  BOOST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(contains(lines[0], "\"laptop\""));
  const std::string shown = lines[1];
  BOOST_TEST((shown.size() == 19u && shown[4] == '-' && shown[9] == '-' && shown[14] == '-'),
             shown);
  const auto canonical = auth::normalize_app_password(shown);
  BOOST_REQUIRE(canonical.has_value());
  const auth::KeyedHasher hasher(cli_test::kPepper);
  BOOST_TEST(sql("SELECT encode(hash, 'hex') FROM app_passwords WHERE name = 'laptop'") ==
             auth::to_hex(hasher.digest("app_password", *canonical)));

  result = ok({"app-password", "new", "alice", "--name", "phone", "--json"});
  const auto created = boost::json::parse(result.out).as_object();
  const std::string phone_shown(created.at("password").as_string());
  BOOST_TEST(created.at("name").as_string() == "phone");
  const auto phone = auth::normalize_app_password(phone_shown);
  BOOST_REQUIRE(phone.has_value());
  BOOST_TEST(sql("SELECT encode(hash, 'hex') FROM app_passwords WHERE name = 'phone'") ==
             auth::to_hex(hasher.digest("app_password", *phone)));

  sql("UPDATE app_passwords SET last_used_at = '2024-05-01T12:34:56Z', "
      "last_used_from = '192.0.2.7', last_used_agent = 'DAVx5/4.3' WHERE name = 'phone' "
      "RETURNING id");
  result = ok({"app-password", "list", "alice"});
  lines = lines_of(result.out);
  BOOST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[0].starts_with("NAME"));
  BOOST_TEST(lines[1].starts_with("laptop "));
  BOOST_TEST(contains(lines[1], "never"));
  BOOST_TEST(contains(lines[2], "2024-05-01T12:34:56Z"));
  BOOST_TEST(contains(lines[2], "192.0.2.7"));
  BOOST_TEST(contains(lines[2], "DAVx5/4.3"));
  BOOST_TEST(!contains(result.out, shown));
  BOOST_TEST(!contains(result.out, phone_shown));

  ok({"app-password", "revoke", "alice", "laptop"});
  ok({"app-password", "new", "alice", "--name", "laptop"});  // the name is free again
  result = ok({"app-password", "list", "alice", "--json"});
  const auto list = boost::json::parse(result.out).as_array();
  BOOST_REQUIRE(list.size() == 3u);
  BOOST_TEST(list[0].as_object().at("name").as_string() == "laptop");
  BOOST_TEST(list[0].as_object().at("state").as_string() == "revoked");
  BOOST_TEST(!list[0].as_object().at("revoked_at").is_null());
  BOOST_TEST(list[1].as_object().at("last_used_at").as_string() == "2024-05-01T12:34:56Z");
  BOOST_TEST(list[1].as_object().at("last_used_from").as_string() == "192.0.2.7");
  BOOST_TEST(list[2].as_object().at("state").as_string() == "active");
  BOOST_TEST(list[2].as_object().at("last_used_at").is_null());
  BOOST_TEST(!contains(result.out, shown));

  BOOST_TEST(sql("SELECT string_agg(event, ' ' ORDER BY id) FROM audit_events") ==
             "user.created app_password.created app_password.created app_password.revoked "
             "app_password.created");
  const std::string text = all_text();
  for (const std::string& s :
       {shown, *canonical, phone_shown, *phone, std::string("account password"), to_hex(*canonical),
        to_hex(*phone)}) {
    BOOST_TEST(!contains(text, s), s);
  }
}

// As the OAuth password grant leaves them: a pair from the account password or from an
// application password (digests are arbitrary here), and one self-service session.
void add_grants_and_session(const CliFixture& cli, const std::string& user, char digest_byte) {
  const std::string digest = std::string("decode(repeat('") + digest_byte + "', 64), 'hex')";
  const std::string other = std::string("decode(repeat('") + digest_byte + "e', 32), 'hex')";
  cli.sql(
      "INSERT INTO tokens (user_id, kind, name, digest, family_id, client_id) SELECT id, "
      "'access', 'account password', " +
      digest + ", nextval('token_families'), 'mobile' FROM users WHERE username = '" + user +
      "' RETURNING id");
  cli.sql(
      "INSERT INTO tokens (user_id, kind, name, digest, family_id, app_password_id) SELECT "
      "user_id, 'access', name, " +
      other + ", nextval('token_families'), id FROM app_passwords RETURNING id");
  cli.sql("INSERT INTO self_service_sessions (id_hash, user_id) SELECT " + digest +
          ", id FROM users WHERE username = '" + user + "' RETURNING user_id");
}

std::string live_tokens(const CliFixture& cli) {
  return cli.sql(
      "SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM tokens WHERE revoked_at IS "
      "NULL");
}

BOOST_AUTO_TEST_CASE(user_passwd_and_totp_confirm_end_what_the_account_password_got) {
  migrate();
  ok({"user", "add", "alice", "--password-stdin"}, "first password\n");
  ok({"app-password", "new", "alice", "--name", "phone"});
  add_grants_and_session(*this, "alice", 'a');

  ok({"user", "passwd", "alice", "--password-stdin"}, "second password\n");
  BOOST_TEST(live_tokens(*this) == "phone");  // the app password's grant stays
  BOOST_TEST(sql("SELECT count(*) FROM app_passwords WHERE revoked_at IS NULL") == "1");
  BOOST_TEST(sql("SELECT count(*) FROM self_service_sessions") == "0");

  sql("DELETE FROM tokens WHERE revoked_at IS NULL RETURNING id");
  add_grants_and_session(*this, "alice", 'b');
  const auto enabled = boost::json::parse(ok({"totp", "enable", "alice", "--json"}).out);
  const auto secret = auth::base32_decode(std::string(enabled.at("secret").as_string()));
  BOOST_REQUIRE(secret.has_value());
  const std::int64_t step = auth::totp_step(now_seconds());
  ok({"totp", "confirm", "alice", "--code-stdin"},
     auth::hotp_code(*secret, static_cast<std::uint64_t>(step)) + "\n");
  BOOST_TEST(live_tokens(*this) == "phone");
  BOOST_TEST(sql("SELECT count(*) FROM self_service_sessions") == "0");

  BOOST_TEST(sql("SELECT string_agg(event || ':' || (detail->>'reason'), ' ' ORDER BY id) FROM "
                 "audit_events WHERE detail ? 'reason'") ==
             "token.revoked:user.password_changed sessions.ended:user.password_changed "
             "token.revoked:totp.enabled sessions.ended:totp.enabled");
  BOOST_TEST(sql("SELECT string_agg(DISTINCT source, ',') FROM audit_events") == "cli");
}

BOOST_AUTO_TEST_SUITE_END()

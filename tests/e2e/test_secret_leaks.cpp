// A representative run — right and wrong application passwords in every spelling, account
// passwords, TOTP enrolment codes, raw Basic headers, a revocation through the CLI — and then
// a search for every secret it used in everything latchkey wrote: the full stdout/stderr of
// `latchkey serve`, the CLI's messages, /metrics, and every text column of every table.
#define BOOST_TEST_DYN_LINK
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <ctime>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "auth/app_password.hpp"
#include "auth/totp.hpp"
#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

namespace {

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string without_dashes(std::string s) {
  std::erase(s, '-');
  return s;
}
std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// Whether `needle` occurs in `text`, case-insensitively.
bool contains(const std::string& text, const std::string& needle) {
  return lower(text).find(lower(needle)) != std::string::npos;
}

// A 6-digit TOTP code as a number of its own: not inside a longer number, and not as the
// microseconds of a timestamp, where any six digits turn up sooner or later.
bool contains_code(const std::string& text, const std::string& code) {
  for (auto at = text.find(code); at != std::string::npos; at = text.find(code, at + 1)) {
    const char before = at == 0 ? ' ' : text[at - 1];
    const char after = at + code.size() < text.size() ? text[at + code.size()] : ' ';
    if (std::isdigit(static_cast<unsigned char>(before)) ||
        std::isdigit(static_cast<unsigned char>(after)) || before == '.') {
      continue;
    }
    return true;
  }
  return false;
}

// Every text-like column of every table in the public schema, one value per line (bytea with
// printable bytes as they are, so a secret stored raw would show).
std::string dump_text_columns(PgDatabase& database) {
  const std::string union_query = database.query_value(
      "SELECT string_agg(format('SELECT %s FROM public.%I', "
      "CASE WHEN data_type = 'bytea' THEN format('encode(%I, ''escape'')', column_name) "
      "ELSE format('%I::text', column_name) END, table_name), ' UNION ALL ') "
      "FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN "
      "('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'inet', 'ARRAY', "
      "'USER-DEFINED')");
  BOOST_REQUIRE(!union_query.empty() && union_query != "NULL");
  return database.query_value("SELECT string_agg(v, E'\\n') FROM (" + union_query + ") AS t(v)");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_leaks)

BOOST_AUTO_TEST_CASE(no_secret_used_in_a_run_appears_in_logs_metrics_or_the_database) {
  Deployment d;  // its own: the log and the database hold this run only
  std::vector<std::string> cli_messages;  // what the CLI printed, where no secret belongs
  auto cli = [&](const std::vector<std::string>& args, const std::string& stdin_text = "") {
    ProcessResult result = d.cli(args, stdin_text);
    cli_messages.push_back(result.out + result.err);
    return result;
  };

  // Account without TOTP, account with TOTP enrolled by hand (so the test knows the codes).
  const std::string plain_password = "Plain-Account-Pw-7f3kq";
  const std::string totp_password = "Totp-Account-Pw-Q9z2m";
  BOOST_REQUIRE(cli({"user", "add", "grace", "--password-stdin"}, plain_password + "\n").exit_code == 0);
  BOOST_REQUIRE(cli({"user", "add", "ivan", "--email", "ivan@example.com", "--password-stdin"},
                    totp_password + "\n")
                    .exit_code == 0);
  const ProcessResult enrolment = d.cli({"totp", "enable", "ivan", "--json"});  // shows the secret
  BOOST_REQUIRE_MESSAGE(enrolment.exit_code == 0, describe(enrolment));
  const std::string totp_secret_text(boost::json::parse(enrolment.out).at("secret").as_string());
  const auto totp_secret = auth::base32_decode(totp_secret_text);
  BOOST_REQUIRE(totp_secret.has_value());
  const auto step = static_cast<std::uint64_t>(auth::totp_step(std::time(nullptr)));
  const std::string right_code = auth::hotp_code(*totp_secret, step);
  // A code from long ago: refused, and it must not be echoed in the refusal either.
  std::string wrong_code = auth::hotp_code(*totp_secret, step - 1000);
  if (wrong_code == right_code) wrong_code = auth::hotp_code(*totp_secret, step - 1001);
  BOOST_TEST(cli({"totp", "confirm", "ivan", "--code-stdin"}, wrong_code + "\n").exit_code == 1);
  BOOST_TEST(cli({"totp", "confirm", "ivan", "--code-stdin"}, right_code + "\n").exit_code == 0);

  // Application passwords (shown once by design: that output is not searched).
  const ProcessResult created = d.cli({"app-password", "new", "ivan", "--name", "phone", "--json"});
  BOOST_REQUIRE_MESSAGE(created.exit_code == 0, describe(created));
  const std::string app(boost::json::parse(created.out).at("password").as_string());
  const ProcessResult created2 = d.cli({"app-password", "new", "grace", "--name", "ci", "--json"});
  BOOST_REQUIRE_MESSAGE(created2.exit_code == 0, describe(created2));
  const std::string grace_app(boost::json::parse(created2.out).at("password").as_string());
  // Well-formed (right check symbol) but nobody's, and one with a wrong check symbol.
  const std::string wrong_app = auth::format_app_password(auth::generate_app_password());
  std::string mistyped_app = app;
  mistyped_app.back() = mistyped_app.back() == 'a' ? 'b' : 'a';

  const std::string basic_app = base64("ivan:" + app);
  const std::string basic_wrong = base64("ivan:" + wrong_app);
  const std::string basic_account = base64("grace:" + plain_password);
  // Right passwords, in every spelling a client may send.
  BOOST_TEST(d.curl("/sg/1", {"-u", "ivan:" + app}).status == 200);
  BOOST_TEST(d.curl("/sg/2", {"-u", "ivan:" + upper(without_dashes(app))}).status == 200);
  BOOST_TEST(d.curl("/sg/3?password=" + without_dashes(app), {"-u", "ivan:" + lower(app)}).status ==
             200);
  BOOST_TEST(d.curl("/sg/4", {"-H", "Authorization: Basic " + basic_app}).status == 200);
  BOOST_TEST(d.curl("/legacy/5", {"-H", "Authorization: Basic " + basic_account}).status == 200);
  BOOST_TEST(d.curl("/sg/6", {"-u", "grace:" + grace_app}).status == 200);
  // Wrong ones, and the account password where TOTP forbids it.
  BOOST_TEST(d.curl("/sg/7", {"-H", "Authorization: Basic " + basic_wrong}).status == 401);
  BOOST_TEST(d.curl("/sg/8", {"-u", "ivan:" + mistyped_app}).status == 401);
  BOOST_TEST(d.curl("/sg/9", {"-u", "ivan:" + totp_password}).status == 401);
  BOOST_TEST(d.curl("/legacy/10", {"-u", "grace:" + totp_password}).status == 401);
  BOOST_TEST(d.curl("/sg/11", {"-u", "nobody:" + plain_password}).status == 401);
  BOOST_TEST(d.curl("/sg/12", {"-H", "Authorization: Bearer " + without_dashes(app)}).status >= 400);
  // The password typed into the username field: the refusal is recorded, the name is not.
  BOOST_TEST(d.curl("/sg/14", {"-u", plain_password + ":grace"}).status == 401);

  // Revoked through the CLI: refused at once, and the revocation says nothing secret either.
  BOOST_TEST(cli({"app-password", "revoke", "ivan", "phone"}).exit_code == 0);
  BOOST_TEST(cli({"app-password", "list", "ivan", "--json"}).exit_code == 0);
  BOOST_TEST(cli({"app-password", "revoke", "ivan", "no-such-name"}).exit_code == 1);
  BOOST_TEST(d.curl("/sg/13", {"-u", "ivan:" + app}).status == 401);
  BOOST_TEST(cli({"audit", "--json"}).exit_code == 0);
  BOOST_TEST(cli({"user", "list", "--json"}).exit_code == 0);

  // The write-behind (last use, audit events) reaches the database before we look.
  BOOST_REQUIRE(d.log_contains("\"status\":401", std::chrono::seconds(5)));
  for (int i = 0; i < 100 && d.database().query_value(
                                 "SELECT count(*) FROM app_passwords WHERE last_used_at IS NOT NULL") != "2";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // An admin can still find that refusal by the name typed (here the secret itself).
  bool tried_found = false;
  for (int i = 0; i < 100 && !tried_found; ++i) {
    tried_found = contains(cli({"audit", "--tried", plain_password}).out, "unknown_user");
    if (!tried_found) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST_REQUIRE(tried_found);

  const ProcessResult metrics = d.admin_get("/metrics");
  BOOST_REQUIRE_MESSAGE(metrics.exit_code == 0, describe(metrics));
  std::string cli_text;
  for (const auto& message : cli_messages) cli_text += message + "\n";
  const std::vector<std::pair<std::string, std::string>> places = {
      {"latchkey serve's stdout and stderr", d.log_text()},
      {"the CLI's messages", cli_text},
      {"/metrics", metrics.out},
      {"the database's text columns", dump_text_columns(d.database())},
  };
  BOOST_TEST_REQUIRE(places[0].second.find("\"status\":200") != std::string::npos);  // it logged
  BOOST_TEST_REQUIRE(places[3].second.find("phone") != std::string::npos);  // it dumped

  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"the app password", app},
      {"the app password without dashes", without_dashes(app)},
      {"the other app password", without_dashes(grace_app)},
      {"the other app password with dashes", grace_app},
      {"the wrong app password", without_dashes(wrong_app)},
      {"the wrong app password with dashes", wrong_app},
      {"the mistyped app password", without_dashes(mistyped_app)},
      {"an account password", plain_password},
      {"an account password", totp_password},
      {"the pepper", trimmed(d.pepper())},
      {"the TOTP key", trimmed(d.totp_key())},
      {"the user's TOTP secret", totp_secret_text},
      {"a Basic header value", basic_app},
      {"a Basic header value", basic_wrong},
      {"a Basic header value", basic_account},
  };
  for (const auto& [where, text] : places) {
    for (const auto& [what, secret] : secrets) {
      BOOST_TEST(!contains(text, secret), what << " (" << secret << ") appears in " << where);
    }
    for (const std::string& code : {right_code, wrong_code}) {
      BOOST_TEST(!contains_code(text, code), "TOTP code " << code << " appears in " << where);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

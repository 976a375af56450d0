// Two-factor sign-in and enrolment through the self-service API: each TOTP code works once,
// recovery codes work once instead of a code, and turning TOTP off needs a current code.
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "auth/totp.hpp"
#include "tests/web/self_service_client.hpp"

namespace latchkey::test {
namespace {

namespace json = boost::json;

Deployment& totp_deployment() {
  static Deployment instance([] {
    DeploymentOptions options;
    options.self_service = kSelfService;
    return options;
  }());
  return instance;
}

std::string error_of(const HttpResult& result) {
  return std::string(json::parse(result.body).at("error").as_string());
}

std::string message_of(const HttpResult& result) {
  return std::string(json::parse(result.body).at("message").as_string());
}

bool totp_state(PageClient& client, const char* key) {
  return json::parse(client.call("GET", "totp").body).at(key).as_bool();
}

// The body of a confirm call with `code` and, unless null, `password`.
std::string confirm_body(const std::string& code, const char* password) {
  std::string body = "{\"code\":" + json_text(code);
  if (password != nullptr) body += ",\"current_password\":" + json_text(password);
  return body + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(self_service_totp)

BOOST_AUTO_TEST_CASE(sign_in_asks_for_the_code_and_accepts_each_code_once) {
  Deployment& d = totp_deployment();
  const std::string secret = add_totp_user(d, "quinn", "quinn-account-pw");
  PageClient client(d);
  const HttpResult asked = client.sign_in("quinn", "quinn-account-pw");
  BOOST_TEST(asked.status == 401);
  BOOST_TEST(error_of(asked) == "totp_required");
  BOOST_TEST(asked.header("Set-Cookie").empty());
  // The question is only asked after the right password.
  BOOST_TEST(error_of(client.sign_in("quinn", "wrong")) == "bad_credentials");
  const std::string code = totp_code(secret, 0);
  const std::string wrong = code == "000000" ? "000001" : "000000";
  BOOST_TEST(error_of(client.sign_in("quinn", "quinn-account-pw", wrong)) == "bad_credentials");
  BOOST_TEST(client.sign_in("quinn", "quinn-account-pw", code).status == 200);
  BOOST_TEST(client.call("GET", "session").status == 200);
  // The same code again, from another browser: replayed, refused.
  PageClient replay(d, "replay");
  BOOST_TEST(replay.sign_in("quinn", "quinn-account-pw", code).status == 401);
  BOOST_TEST(d.log_contains("totp_replayed"));
  // And the code of the step confirmed by the CLI is older still.
  BOOST_TEST(replay.sign_in("quinn", "quinn-account-pw", totp_code(secret, -1)).status == 401);
}

BOOST_AUTO_TEST_CASE(enrolment_on_the_page_gives_ten_single_use_recovery_codes) {
  Deployment& d = totp_deployment();
  d.add_user("rita", "rita-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("rita", "rita-account-pw").status == 200);
  const HttpResult started =
      client.call("POST", "totp", R"({"current_password":"rita-account-pw"})");
  BOOST_TEST_REQUIRE(started.status == 200);
  const json::value start = json::parse(started.body);
  BOOST_TEST(std::string(start.at("qr_svg").as_string()).starts_with("<svg"));
  BOOST_TEST(std::string(start.at("otpauth_uri").as_string()).starts_with("otpauth://totp/"));
  const auto secret = auth::base32_decode(std::string(start.at("secret").as_string()));
  BOOST_TEST_REQUIRE(secret.has_value());
  BOOST_TEST(json::parse(client.call("GET", "totp").body).at("pending").as_bool());
  const HttpResult bad = client.call("POST", "totp/confirm",
                                     R"({"code":"12345","current_password":"rita-account-pw"})");
  BOOST_TEST(bad.status == 403);
  const HttpResult confirmed = client.call(
      "POST", "totp/confirm",
      R"({"current_password":"rita-account-pw","code":)" + json_text(totp_code(*secret, -1)) + "}");
  BOOST_TEST_REQUIRE(confirmed.status == 200);
  const json::value confirmation = json::parse(confirmed.body);
  const auto& codes = confirmation.at("recovery_codes").as_array();
  BOOST_TEST_REQUIRE(codes.size() == 10u);
  const std::string recovery(codes[3].as_string());
  BOOST_TEST(recovery.size() == 11u);
  // The proxy now refuses the account password alone.
  BOOST_TEST(d.curl("/x", {"-u", "rita:rita-account-pw"}).status == 401);
  // Recovery codes are stored hashed.
  BOOST_TEST(d.database().query_value(
                 "SELECT count(*) FROM recovery_codes r JOIN users u ON u.id = r.user_id "
                 "WHERE u.username = 'rita' AND length(r.hash) = 32") == "10");
  PageClient other(d, "other");
  BOOST_TEST(other.sign_in("rita", "rita-account-pw", recovery).status == 200);
  BOOST_TEST(json::parse(other.call("GET", "totp").body).at("recovery_codes_left").as_int64() == 9);
  PageClient third(d, "third");
  BOOST_TEST(third.sign_in("rita", "rita-account-pw", recovery).status == 401);  // used up
  BOOST_TEST(third.sign_in("rita", "rita-account-pw", std::string(codes[4].as_string())).status ==
             200);
  BOOST_TEST(d.cli({"audit", "rita"}).out.find("recovery_code.used") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(turning_totp_off_needs_a_current_code) {
  Deployment& d = totp_deployment();
  const std::string secret = add_totp_user(d, "sven", "sven-account-pw");
  PageClient client(d);
  // The very code signed in with is replayed: computed again, it could be the next step's.
  const std::string signed_in_with = totp_code(secret, 0);
  BOOST_TEST_REQUIRE(client.sign_in("sven", "sven-account-pw", signed_in_with).status == 200);
  const HttpResult missing = client.call("POST", "totp/disable", R"({"code":""})");
  BOOST_TEST(missing.status == 403);
  const HttpResult replayed =
      client.call("POST", "totp/disable", "{\"code\":" + json_text(signed_in_with) + "}");
  BOOST_TEST(replayed.status == 403);
  BOOST_TEST(json::parse(client.call("GET", "totp").body).at("enabled").as_bool());
  const HttpResult off =
      client.call("POST", "totp/disable", "{\"code\":" + json_text(totp_code(secret, 1)) + "}");
  BOOST_TEST(off.status == 200);
  BOOST_TEST(!json::parse(client.call("GET", "totp").body).at("enabled").as_bool());
  PageClient later(d, "later");
  BOOST_TEST(later.sign_in("sven", "sven-account-pw").status == 200);
}

BOOST_AUTO_TEST_CASE(password_change_with_totp_needs_the_code) {
  Deployment& d = totp_deployment();
  const std::string secret = add_totp_user(d, "tara", "tara-account-pw");
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("tara", "tara-account-pw", totp_code(secret, 0)).status == 200);
  const HttpResult without = client.call(
      "POST", "password", R"({"current_password":"tara-account-pw","new_password":"tara-new-pw"})");
  BOOST_TEST(without.status == 403);
  const HttpResult with = client.call(
      "POST", "password",
      "{\"current_password\":\"tara-account-pw\",\"new_password\":\"tara-new-pw\",\"code\":" +
          json_text(totp_code(secret, 1)) + "}");
  BOOST_TEST(with.status == 200);
  // The new session id stands for both factors: the page stays signed in.
  BOOST_TEST(!session_cookie_set(with).empty());
  BOOST_TEST(client.call("GET", "session").status == 200);
}

// The answer tells the account's state, not whether a code came along (a code sent for an
// account without TOTP is not asked for, and ignored).
BOOST_AUTO_TEST_CASE(sign_in_reports_the_accounts_own_totp_state) {
  Deployment& d = totp_deployment();
  d.add_user("ugo", "ugo-account-pw", false);
  PageClient plain(d, "plain");
  const HttpResult with_code = plain.sign_in("ugo", "ugo-account-pw", "123456");
  BOOST_TEST_REQUIRE(with_code.status == 200);
  BOOST_TEST(!json::parse(with_code.body).at("totp_enabled").as_bool());
  BOOST_TEST(!json::parse(plain.call("GET", "session").body).at("totp_enabled").as_bool());
  const std::string secret = add_totp_user(d, "vera", "vera-account-pw");
  PageClient two_factor(d, "two-factor");
  const HttpResult both = two_factor.sign_in("vera", "vera-account-pw", totp_code(secret, 0));
  BOOST_TEST_REQUIRE(both.status == 200);
  BOOST_TEST(json::parse(both.body).at("totp_enabled").as_bool());
}

// An enrolment never confirmed proves nothing: dropping it needs no code. Once confirmed, the
// same call without a code is refused (the repository re-checks under the row lock).
BOOST_AUTO_TEST_CASE(a_pending_enrolment_is_dropped_without_a_code_an_enabled_one_is_not) {
  Deployment& d = totp_deployment();
  d.add_user("penny", "penny-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("penny", "penny-account-pw").status == 200);
  const std::string password = R"({"current_password":"penny-account-pw"})";
  BOOST_TEST_REQUIRE(client.call("POST", "totp", password).status == 200);
  BOOST_TEST(client.call("POST", "totp/disable", R"({"code":""})").status == 200);
  const json::value status = json::parse(client.call("GET", "totp").body);
  BOOST_TEST(!status.at("pending").as_bool());
  BOOST_TEST(!status.at("enabled").as_bool());

  const HttpResult started = client.call("POST", "totp", password);
  BOOST_TEST_REQUIRE(started.status == 200);
  const auto secret =
      auth::base32_decode(std::string(json::parse(started.body).at("secret").as_string()));
  BOOST_TEST_REQUIRE(secret.has_value());
  BOOST_TEST_REQUIRE(client
                         .call("POST", "totp/confirm",
                               R"({"current_password":"penny-account-pw","code":)" +
                                   json_text(totp_code(*secret, 0)) + "}")
                         .status == 200);
  BOOST_TEST(client.call("POST", "totp/disable", R"({"code":""})").status == 403);
  BOOST_TEST(json::parse(client.call("GET", "totp").body).at("enabled").as_bool());
}

// Someone at an unattended, signed-in browser must not enrol a secret of their own (and with it
// lock the owner out): both steps check the current password, answered as a password change
// answers a wrong one, and a wrong one changes nothing.
BOOST_AUTO_TEST_CASE(turning_totp_on_needs_the_current_password_at_both_steps) {
  Deployment& d = totp_deployment();
  d.add_user("walt", "walt-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("walt", "walt-account-pw").status == 200);
  BOOST_TEST(client.call("POST", "totp").status == 400);
  BOOST_TEST(client.call("POST", "totp", "{}").status == 400);
  const HttpResult wrong = client.call("POST", "totp", R"({"current_password":"walt-guess"})");
  BOOST_TEST(wrong.status == 403);
  BOOST_TEST(wrong.body.find("secret") == std::string::npos);
  const HttpResult wrong_change = client.call(
      "POST", "password", R"({"current_password":"walt-guess","new_password":"walt-new-pw-1"})");
  BOOST_TEST(wrong.status == wrong_change.status);
  BOOST_TEST(wrong.body == wrong_change.body);
  BOOST_TEST(message_of(wrong) == "The current password is wrong.");
  BOOST_TEST(!totp_state(client, "pending"));

  const std::string secret = client.start_totp("walt-account-pw");
  BOOST_TEST_REQUIRE(!secret.empty());
  const std::string code = totp_code(secret, 0);
  BOOST_TEST(client.call("POST", "totp/confirm", confirm_body(code, nullptr)).status == 400);
  const HttpResult wrong_confirm =
      client.call("POST", "totp/confirm", confirm_body(code, "walt-guess"));
  BOOST_TEST(wrong_confirm.status == 403);
  BOOST_TEST(message_of(wrong_confirm) == "The current password is wrong.");
  BOOST_TEST(!totp_state(client, "enabled"));
  BOOST_TEST(d.curl("/x", {"-u", "walt:walt-account-pw"}).status == 200);  // not locked out
  // The password is checked before the code, so the refused call did not use the code up.
  BOOST_TEST(client.call("POST", "totp/confirm", confirm_body(code, "walt-account-pw")).status ==
             200);
  BOOST_TEST(totp_state(client, "enabled"));
}

// A pending secret may come from a start that asked no password (the CLI's, or one made before
// the page asked) and so be known to whoever holds the session: confirming needs it too.
BOOST_AUTO_TEST_CASE(a_pending_enrolment_from_elsewhere_is_not_confirmed_without_the_password) {
  Deployment& d = totp_deployment();
  d.add_user("xavi", "xavi-account-pw", false);
  const ProcessResult enabled = d.cli({"totp", "enable", "xavi", "--json"});
  BOOST_TEST_REQUIRE(enabled.exit_code == 0, describe(enabled));
  const auto secret =
      auth::base32_decode(std::string(json::parse(enabled.out).at("secret").as_string()));
  BOOST_TEST_REQUIRE(secret.has_value());
  PageClient holder(d, "holder");
  BOOST_TEST_REQUIRE(holder.sign_in("xavi", "xavi-account-pw").status == 200);
  BOOST_TEST_REQUIRE(totp_state(holder, "pending"));
  const std::string code = totp_code(*secret, 0);
  BOOST_TEST(holder.call("POST", "totp/confirm", confirm_body(code, nullptr)).status == 400);
  BOOST_TEST(holder.call("POST", "totp/confirm", confirm_body(code, "")).status == 403);
  BOOST_TEST(holder.call("POST", "totp/confirm", confirm_body(code, "xavi-guess")).status == 403);
  BOOST_TEST(!totp_state(holder, "enabled"));
  BOOST_TEST(d.curl("/x", {"-u", "xavi:xavi-account-pw"}).status == 200);
  BOOST_TEST(d.cli({"audit", "xavi"}).out.find("totp.enabled") == std::string::npos);
}

// A stolen session is no free oracle for the account password: each wrong one at start spends
// the sign-in budgets, and a spent budget refuses even the right one.
BOOST_AUTO_TEST_CASE(wrong_passwords_at_totp_start_spend_the_sign_in_budget) {
  DeploymentOptions options;
  options.self_service = kSelfService;
  options.brute_force =
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 3, per_minute: 1 },"
      " lock_after: 100, over_budget_delay: 0s }";
  Deployment d(options);
  d.add_user("yves", "yves-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("yves", "yves-account-pw").status == 200);  // no failure
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(client.call("POST", "totp", R"({"current_password":"yves-guess"})").status == 403);
  }
  const HttpResult throttled =
      client.call("POST", "totp", R"({"current_password":"yves-account-pw"})");
  BOOST_TEST(throttled.status == 429);
  BOOST_TEST(!throttled.header("Retry-After").empty());
  BOOST_TEST(!totp_state(client, "pending"));
  BOOST_TEST(d.log_contains("account_over_budget"));
  // The proxy draws from the same account budget.
  BOOST_TEST(d.curl("/x", {"-u", "yves:yves-account-pw"}).status == 429);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

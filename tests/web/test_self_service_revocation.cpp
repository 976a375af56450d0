// DESIGN.md §5.1 end to end: OAuth tokens that the account password obtained stop working
// through the proxy (its verified cache included) once TOTP is confirmed or the password is
// changed on the page; tokens from an application password keep working; other browsers of
// the account are signed out.
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <thread>

#include "auth/totp.hpp"
#include "tests/web/self_service_client.hpp"

namespace latchkey::test {
namespace {

namespace json = boost::json;

Deployment& revocation_deployment() {
  static Deployment instance([] {
    DeploymentOptions options;
    options.self_service = kSelfService;
    options.extra_routes =
        "  - name: api\n"
        "    match: { path_prefix: /api }\n"
        "    upstream: { url: \"@UPSTREAM@\" }\n"
        "    auth: { accept: [app_password, token], realm: api }\n";
    options.extra_sections =
        "oauth:\n"
        "  allow_account_password: true\n";
    return options;
  }());
  return instance;
}

struct Pair {
  std::string access;
  std::string refresh;
};

HttpResult post_form(Deployment& d, const std::string& body) {
  return d.curl(
      "/oauth/token",
      {"-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", "--data-raw", body});
}

Pair password_grant(Deployment& d, const std::string& user, const std::string& password) {
  const HttpResult r = post_form(
      d, "grant_type=password&client_id=mobile&username=" + user + "&password=" + password);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const json::value o = json::parse(r.body);
  return {std::string(o.at("access_token").as_string()),
          std::string(o.at("refresh_token").as_string())};
}

// The OAuth error of a refresh (empty on success).
std::string refresh_error(Deployment& d, const std::string& refresh_token) {
  const HttpResult r =
      post_form(d, "grant_type=refresh_token&client_id=mobile&refresh_token=" + refresh_token);
  if (r.status == 200) return "";
  return std::string(json::parse(r.body).at("error").as_string());
}

int bearer_status(Deployment& d, const std::string& token) {
  return d.curl("/api/x", {"-H", "Authorization: Bearer " + token}).status;
}

int bearer_status_settled(Deployment& d, const std::string& token, int wanted) {
  return status_settled([&] { return bearer_status(d, token); }, wanted);
}

HttpResult session_with(Deployment& d, const std::string& session_id) {
  return d.curl("/-/account/api/session", {"-H", "Cookie: latchkey_session=" + session_id});
}

// `changed` (a 200 that changed the account's credentials) gave the client a new session id,
// with the CSRF token in its body; the old id no longer works, the new one does.
void expect_renewed_session(Deployment& d, PageClient& client, const HttpResult& changed,
                            const std::string& old_id, const std::string& old_csrf) {
  const std::string new_id = session_cookie_set(changed);
  BOOST_TEST_REQUIRE(!new_id.empty(), changed.headers);
  BOOST_TEST(new_id != old_id);
  BOOST_TEST(changed.header("Set-Cookie").find("HttpOnly; SameSite=Strict") != std::string::npos);
  const std::string csrf(json::parse(changed.body).at("csrf_token").as_string());
  BOOST_TEST(csrf != old_csrf);
  BOOST_TEST(session_with(d, old_id).status == 401);
  const HttpResult renewed = session_with(d, new_id);
  BOOST_TEST_REQUIRE(renewed.status == 200);
  BOOST_TEST(json::parse(renewed.body).at("csrf_token").as_string() == csrf);
  // The page goes on with the new token (PageClient keeps it, as the page's script does).
  BOOST_TEST(client.csrf() == csrf);
  BOOST_TEST(client.call("POST", "app-passwords", R"({"name":"after the change"})").status == 201);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(self_service_revocation)

BOOST_AUTO_TEST_CASE(confirming_totp_ends_the_account_passwords_tokens_and_other_sessions) {
  Deployment& d = revocation_deployment();
  d.add_user("wanda", "wanda-account-pw", false);
  const std::string app_password = d.new_app_password("wanda", "phone");
  const Pair phished = password_grant(d, "wanda", "wanda-account-pw");
  const Pair device = password_grant(d, "wanda", app_password);
  BOOST_TEST_REQUIRE(bearer_status(d, phished.access) == 200);  // now in the verified cache
  PageClient attacker(d, "attacker");
  BOOST_TEST_REQUIRE(attacker.sign_in("wanda", "wanda-account-pw").status == 200);

  PageClient owner(d, "owner");
  BOOST_TEST_REQUIRE(owner.sign_in("wanda", "wanda-account-pw").status == 200);
  const std::string secret = owner.start_totp("wanda-account-pw");
  BOOST_TEST_REQUIRE(!secret.empty());
  const HttpResult confirmed = owner.call(
      "POST", "totp/confirm",
      R"({"current_password":"wanda-account-pw","code":)" + json_text(totp_code(secret, 0)) + "}");
  BOOST_TEST_REQUIRE(confirmed.status == 200);

  BOOST_TEST(bearer_status_settled(d, phished.access, 401) == 401);
  BOOST_TEST(refresh_error(d, phished.refresh) == "invalid_grant");
  BOOST_TEST(bearer_status(d, device.access) == 200);
  BOOST_TEST(refresh_error(d, device.refresh) == "");
  BOOST_TEST(attacker.call("GET", "session").status == 401);
  BOOST_TEST(owner.call("GET", "session").status == 200);  // the page that turned it on stays
  const std::string audit = d.cli({"audit", "wanda"}).out;
  BOOST_TEST(audit.find("token.revoked") != std::string::npos, audit);
  BOOST_TEST(audit.find("sessions.ended") != std::string::npos, audit);
}

BOOST_AUTO_TEST_CASE(changing_the_password_on_the_page_ends_the_old_passwords_tokens) {
  Deployment& d = revocation_deployment();
  d.add_user("xena", "xena-account-pw", false);
  const std::string app_password = d.new_app_password("xena", "phone");
  const Pair phished = password_grant(d, "xena", "xena-account-pw");
  const Pair device = password_grant(d, "xena", app_password);
  BOOST_TEST_REQUIRE(bearer_status(d, phished.access) == 200);
  PageClient attacker(d, "attacker");
  BOOST_TEST_REQUIRE(attacker.sign_in("xena", "xena-account-pw").status == 200);

  PageClient owner(d, "owner");
  BOOST_TEST_REQUIRE(owner.sign_in("xena", "xena-account-pw").status == 200);
  const HttpResult changed =
      owner.call("POST", "password",
                 R"({"current_password":"xena-account-pw","new_password":"xena-new-pw-1234",)"
                 R"("revoke_app_passwords":false})");
  BOOST_TEST_REQUIRE(changed.status == 200, changed.body);

  BOOST_TEST(bearer_status_settled(d, phished.access, 401) == 401);
  BOOST_TEST(refresh_error(d, phished.refresh) == "invalid_grant");
  BOOST_TEST(bearer_status(d, device.access) == 200);
  BOOST_TEST(refresh_error(d, device.refresh) == "");
  BOOST_TEST(attacker.call("GET", "session").status == 401);
  BOOST_TEST(owner.call("GET", "session").status == 200);  // the caller stays signed in
}

// Session fixation: an id seen or planted before the account's credentials changed must not
// carry the account on past the change, the caller's own included.
BOOST_AUTO_TEST_CASE(confirming_totp_gives_the_page_a_new_session_id) {
  Deployment& d = revocation_deployment();
  d.add_user("yara", "yara-account-pw", false);
  PageClient client(d);
  const std::string old_id = session_cookie_set(client.sign_in("yara", "yara-account-pw"));
  BOOST_TEST_REQUIRE(!old_id.empty());
  const std::string old_csrf = client.csrf();
  const std::string secret = client.start_totp("yara-account-pw");
  BOOST_TEST_REQUIRE(!secret.empty());
  const HttpResult confirmed = client.call(
      "POST", "totp/confirm",
      R"({"current_password":"yara-account-pw","code":)" + json_text(totp_code(secret, 0)) + "}");
  BOOST_TEST_REQUIRE(confirmed.status == 200);
  BOOST_TEST(json::parse(confirmed.body).at("recovery_codes").as_array().size() == 10u);
  expect_renewed_session(d, client, confirmed, old_id, old_csrf);
  BOOST_TEST(json::parse(client.call("GET", "session").body).at("totp_enabled").as_bool());
}

BOOST_AUTO_TEST_CASE(changing_the_password_gives_the_page_a_new_session_id) {
  Deployment& d = revocation_deployment();
  d.add_user("zeno", "zeno-account-pw", false);
  PageClient client(d);
  const std::string old_id = session_cookie_set(client.sign_in("zeno", "zeno-account-pw"));
  BOOST_TEST_REQUIRE(!old_id.empty());
  const std::string old_csrf = client.csrf();
  const HttpResult changed =
      client.call("POST", "password",
                  R"({"current_password":"zeno-account-pw","new_password":"zeno-new-pw-1234"})");
  BOOST_TEST_REQUIRE(changed.status == 200, changed.body);
  expect_renewed_session(d, client, changed, old_id, old_csrf);
  // One session is left for the account: the new one.
  BOOST_TEST(d.database().query_value("SELECT count(*) FROM self_service_sessions s JOIN users u "
                                      "ON u.id = s.user_id WHERE u.username = 'zeno'") == "1");
}

// A renewed id keeps the first sign-in's time: repeating credential changes must not keep a
// (stolen) session alive past session_max. The session is aged to 5 s before its 12 h limit,
// renewed twice (TOTP on, then a password change); it still ends at that limit.
BOOST_AUTO_TEST_CASE(a_renewed_session_still_ends_at_the_first_sign_ins_limit) {
  Deployment& d = revocation_deployment();
  d.add_user("uma", "uma-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("uma", "uma-account-pw").status == 200);
  const std::string secret = client.start_totp("uma-account-pw");
  BOOST_TEST_REQUIRE(!secret.empty());
  // Both codes now: computing one may wait for a fresh step, which the aged session cannot.
  const std::string code = totp_code(secret, 0);
  const std::string next_code = totp_code(secret, 1);
  const std::string of_uma =
      " FROM self_service_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'uma'";
  d.database().query_value(
      "UPDATE self_service_sessions s SET created_at = now() - interval '12 hours' + "
      "interval '5 seconds' FROM users u WHERE u.id = s.user_id AND u.username = 'uma'");
  const std::string signed_in_at = d.database().query_value("SELECT s.created_at::text" + of_uma);

  const HttpResult confirmed =
      client.call("POST", "totp/confirm",
                  R"({"current_password":"uma-account-pw","code":)" + json_text(code) + "}");
  BOOST_TEST_REQUIRE(confirmed.status == 200);
  BOOST_TEST_REQUIRE(!session_cookie_set(confirmed).empty());
  const HttpResult changed = client.call(
      "POST", "password",
      R"({"current_password":"uma-account-pw","new_password":"uma-new-pw-1234","code":)" +
          json_text(next_code) + "}");
  BOOST_TEST_REQUIRE(changed.status == 200, changed.body);
  BOOST_TEST_REQUIRE(!session_cookie_set(changed).empty());
  BOOST_TEST(d.database().query_value("SELECT count(*)" + of_uma) == "1");
  BOOST_TEST(d.database().query_value("SELECT s.created_at::text" + of_uma) == signed_in_at);
  BOOST_TEST(client.call("GET", "session").status == 200);
  std::this_thread::sleep_for(std::chrono::seconds(6));
  BOOST_TEST(client.call("GET", "session").status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

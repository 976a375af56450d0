// Permanent tokens on the self-service API, against the real binary, PostgreSQL and the
// recording upstream: a token made on the page works as Bearer through the proxy until it is
// revoked there, under the same session, CSRF and name rules as application passwords.
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <thread>

#include "auth/token.hpp"
#include "tests/web/self_service_client.hpp"

namespace latchkey::test {
namespace {

namespace json = boost::json;

Deployment& tokens_page_deployment() {
  static Deployment instance([] {
    DeploymentOptions options;
    options.self_service = kSelfService;
    options.extra_routes =
        "  - name: api\n"
        "    match: { path_prefix: /api }\n"
        "    upstream: { url: \"@UPSTREAM@\" }\n"
        "    auth: { accept: [app_password, token], realm: api }\n"
        "  - name: writes\n"
        "    match: { path_prefix: /writes }\n"
        "    upstream: { url: \"@UPSTREAM@\" }\n"
        "    auth: { accept: [token], account_password: deny, realm: writes, "
        "scopes: [tracker:write] }\n";
    return options;
  }());
  return instance;
}

int bearer_status(Deployment& d, const std::string& path, const std::string& token) {
  return d.curl(path, {"-H", "Authorization: Bearer " + token}).status;
}

int bearer_status_settled(Deployment& d, const std::string& token, int wanted) {
  return status_settled([&] { return bearer_status(d, "/api/x", token); }, wanted);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(self_service_tokens)

BOOST_AUTO_TEST_CASE(a_token_made_on_the_page_works_until_revoked_there) {
  Deployment& d = tokens_page_deployment();
  d.add_user("tara", "tara-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("tara", "tara-account-pw").status == 200);
  const HttpResult empty = client.call("GET", "tokens");
  BOOST_TEST(empty.status == 200);
  BOOST_TEST(json::parse(empty.body).at("tokens").as_array().empty());

  const HttpResult created = client.call("POST", "tokens", R"({"name":"issue sync"})");
  BOOST_TEST_REQUIRE(created.status == 201);
  const json::object made = json::parse(created.body).as_object();
  const std::string token(made.at("token").as_string());
  BOOST_TEST((auth::parse_token(token) == auth::TokenKind::permanent));
  BOOST_TEST(made.at("name").as_string() == "issue sync");
  BOOST_TEST(made.at("scopes").is_null());  // every scope
  BOOST_TEST(made.at("expires_at").is_null());
  BOOST_TEST(created.header("Cache-Control") == "no-store");
  // Only its digest is stored.
  BOOST_TEST(d.database().query_value("SELECT count(*) FROM tokens WHERE position(convert_to('" +
                                      token + "', 'UTF8') in digest) > 0") == "0");

  BOOST_TEST(bearer_status(d, "/api/x", token) == 200);
  const HttpResult listed = client.call("GET", "tokens");
  BOOST_TEST(listed.status == 200);
  BOOST_TEST(listed.body.find(token) == std::string::npos);  // shown once, never again
  const json::array list = json::parse(listed.body).at("tokens").as_array();
  BOOST_TEST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].at("name").as_string() == "issue sync");
  BOOST_TEST(list[0].at("state").as_string() == "active");
  BOOST_TEST(list[0].at("id").as_int64() == made.at("id").as_int64());

  const std::string id = std::to_string(made.at("id").as_int64());
  const HttpResult revoked = client.call("DELETE", "tokens/" + id);
  BOOST_TEST(revoked.status == 200);
  BOOST_TEST(json::parse(revoked.body).at("revoked").as_array()[0].as_string() == "issue sync");
  BOOST_TEST(bearer_status_settled(d, token, 401) == 401);
  BOOST_TEST(client.call("DELETE", "tokens/" + id).status == 404);
  BOOST_TEST(json::parse(client.call("GET", "tokens").body).at("tokens").as_array()[0].at(
                 "state").as_string() == "revoked");
  // Audited as the CLI's revoke, with the client address as source.
  BOOST_TEST(d.database().query_value(
                 "SELECT count(*) FROM audit_events WHERE username = 'tara' AND event IN "
                 "('token.created', 'token.revoked') AND source = '127.0.0.1'") == "2");
}

BOOST_AUTO_TEST_CASE(token_calls_need_the_session_and_the_csrf_token) {
  Deployment& d = tokens_page_deployment();
  d.add_user("uma", "uma-account-pw", false);
  PageClient stranger(d, "stranger");
  BOOST_TEST(stranger.call("GET", "tokens").status == 401);
  BOOST_TEST(stranger.call("POST", "tokens", R"({"name":"x"})").status == 401);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("uma", "uma-account-pw").status == 200);
  const std::string csrf = client.csrf();
  client.forget_csrf();
  const HttpResult no_csrf = client.call("POST", "tokens", R"({"name":"csrf probe"})");
  BOOST_TEST(no_csrf.status == 403);
  BOOST_TEST(json::parse(no_csrf.body).at("error").as_string() == "csrf_token");
  BOOST_TEST(client.call("POST", "tokens", R"({"name":"csrf probe"})",
                         {"-H", "X-CSRF-Token: " + csrf + "x"})
                 .status == 403);
  BOOST_TEST(d.database().query_value("SELECT count(*) FROM tokens t JOIN users u ON u.id = "
                                      "t.user_id WHERE u.username = 'uma'") == "0");
  const HttpResult made = client.call("POST", "tokens", R"({"name":"kept"})",
                                      {"-H", "X-CSRF-Token: " + csrf});
  BOOST_TEST_REQUIRE(made.status == 201);
  const std::string id = std::to_string(json::parse(made.body).at("id").as_int64());
  BOOST_TEST(client.call("DELETE", "tokens/" + id).status == 403);
  const std::string token(json::parse(made.body).at("token").as_string());
  BOOST_TEST(bearer_status(d, "/api/x", token) == 200);
}

BOOST_AUTO_TEST_CASE(names_follow_the_app_password_rules) {
  Deployment& d = tokens_page_deployment();
  d.add_user("vera", "vera-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("vera", "vera-account-pw").status == 200);
  BOOST_TEST(client.call("POST", "tokens", R"({"name":"nightly"})").status == 201);
  const HttpResult duplicate = client.call("POST", "tokens", R"({"name":"nightly"})");
  BOOST_TEST(duplicate.status == 409);
  BOOST_TEST(json::parse(duplicate.body).at("message").as_string().find("already has") !=
             std::string::npos);
  BOOST_TEST(client.call("POST", "tokens", R"({"name":""})").status == 400);
  BOOST_TEST(client.call("POST", "tokens", R"({"name":"   "})").status == 400);
  BOOST_TEST(client.call("POST", "tokens", "{\"name\":\"" + std::string(101, 'n') + "\"}").status ==
             400);
  BOOST_TEST(client.call("POST", "tokens", "{\"name\":\"" + std::string(100, 'n') + "\"}").status ==
             201);
  BOOST_TEST(client.call("POST", "tokens", "{}").status == 400);
  BOOST_TEST(client.call("POST", "tokens", R"({"name":5})").status == 400);
  // Another user may use the same name.
  d.add_user("walt", "walt-account-pw", false);
  PageClient other(d, "other");
  BOOST_TEST_REQUIRE(other.sign_in("walt", "walt-account-pw").status == 200);
  BOOST_TEST(other.call("POST", "tokens", R"({"name":"nightly"})").status == 201);
  // A revoked name is free again; and nobody revokes another user's token by its id.
  const json::array vera_tokens = json::parse(client.call("GET", "tokens").body).at("tokens").as_array();
  const std::string vera_id = std::to_string(vera_tokens[0].at("id").as_int64());
  BOOST_TEST(other.call("DELETE", "tokens/" + vera_id).status == 404);
  BOOST_TEST(client.call("DELETE", "tokens/" + vera_id).status == 200);
  BOOST_TEST(client.call("POST", "tokens", R"({"name":"nightly"})").status == 201);
}

BOOST_AUTO_TEST_CASE(expiry_and_scopes_are_kept_and_enforced) {
  Deployment& d = tokens_page_deployment();
  d.add_user("xena", "xena-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("xena", "xena-account-pw").status == 200);
  const HttpResult reader = client.call(
      "POST", "tokens", R"({"name":"reader","expires_in_days":30,"scopes":["tracker:read"]})");
  BOOST_TEST_REQUIRE(reader.status == 201);
  const json::object made = json::parse(reader.body).as_object();
  BOOST_TEST(made.at("scopes").as_array().size() == 1u);
  BOOST_TEST(made.at("scopes").as_array()[0].as_string() == "tracker:read");
  BOOST_TEST(!made.at("expires_at").is_null());
  BOOST_TEST(d.database().query_value(
                 "SELECT round(extract(epoch FROM expires_at - created_at) / 86400) FROM tokens "
                 "WHERE id = " + std::to_string(made.at("id").as_int64())) == "30");
  const std::string read_token(made.at("token").as_string());
  BOOST_TEST(bearer_status(d, "/api/x", read_token) == 200);
  BOOST_TEST(bearer_status(d, "/writes/x", read_token) == 403);
  const HttpResult writer =
      client.call("POST", "tokens", R"({"name":"writer","scopes":["tracker:write"]})");
  BOOST_TEST_REQUIRE(writer.status == 201);
  BOOST_TEST(bearer_status(d, "/writes/x",
                           std::string(json::parse(writer.body).at("token").as_string())) == 200);
  for (const char* bad :
       {R"({"name":"b1","expires_in_days":0})", R"({"name":"b2","expires_in_days":3651})",
        R"({"name":"b3","expires_in_days":"30"})", R"({"name":"b4","expires_in_days":1.5})",
        R"({"name":"b5","scopes":[]})", R"({"name":"b6","scopes":"tracker:read"})",
        R"({"name":"b7","scopes":["has space"]})", R"({"name":"b8","scopes":[7]})"}) {
    BOOST_TEST(client.call("POST", "tokens", bad).status == 400, bad);
  }
  BOOST_TEST(d.database().query_value("SELECT count(*) FROM tokens WHERE name LIKE 'b_'") == "0");
}

BOOST_AUTO_TEST_CASE(password_change_with_revoke_ends_permanent_tokens_too) {
  Deployment& d = tokens_page_deployment();
  d.add_user("yuri", "yuri-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("yuri", "yuri-account-pw").status == 200);
  const std::string token(
      json::parse(client.call("POST", "tokens", R"({"name":"ci"})").body).at("token").as_string());
  BOOST_TEST(bearer_status(d, "/api/x", token) == 200);
  const HttpResult keep = client.call(
      "POST", "password",
      R"({"current_password":"yuri-account-pw","new_password":"yuri-second-pw","revoke_app_passwords":false})");
  BOOST_TEST(keep.status == 200);
  BOOST_TEST(bearer_status(d, "/api/x", token) == 200);
  const HttpResult revoke = client.call(
      "POST", "password", R"({"current_password":"yuri-second-pw","new_password":"yuri-third-pw"})");
  BOOST_TEST(revoke.status == 200);
  BOOST_TEST(bearer_status_settled(d, token, 401) == 401);
  BOOST_TEST(json::parse(client.call("GET", "tokens").body).at("tokens").as_array()[0].at(
                 "state").as_string() == "revoked");
  BOOST_TEST(d.database().query_value(
                 "SELECT count(*) FROM audit_events WHERE username = 'yuri' AND "
                 "event = 'token.revoked'") == "1");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

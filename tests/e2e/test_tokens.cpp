// Tokens from the client's side: permanent tokens as Bearer (RFC 6750) and as Basic password,
// route scopes, and the OAuth 2.0 endpoints (RFC 6749 password and refresh grants, RFC 7009
// revocation, RFC 7662 introspection) with their exact statuses, bodies and headers.
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <sstream>
#include <thread>

#include "auth/token.hpp"
#include "tests/e2e/deployment.hpp"

namespace latchkey::test {
namespace {

constexpr const char* kIntrospectionSecret = "introspection-secret-0123456789";

DeploymentOptions token_options() {
  DeploymentOptions options;
  options.extra_routes =
      "  - name: api\n"
      "    match: { path_prefix: /api }\n"
      "    upstream: { url: \"@UPSTREAM@\" }\n"
      "    auth: { accept: [app_password, token], realm: api }\n"
      "    forward: { identity_headers: { user: X-Forwarded-User } }\n"
      "  - name: writes\n"
      "    match: { path_prefix: /writes }\n"
      "    upstream: { url: \"@UPSTREAM@\" }\n"
      "    auth: { accept: [token], account_password: deny, realm: writes, scopes: [tracker:write] "
      "}\n"
      "    forward: { identity_headers: { user: X-Forwarded-User } }\n";
  options.extra_sections =
      "oauth:\n"
      "  access_token_ttl: 1h\n"
      "  refresh_token_ttl: 30d\n"
      "  clients:\n"
      "    - { id: mobile, scopes: [tracker:read, tracker:write] }\n"
      "    - { id: refresher, grant_types: [refresh_token] }\n"
      "  introspection: { client_id: tracker, client_secret: \"" +
      std::string(kIntrospectionSecret) + "\" }\n";
  return options;
}

Deployment& tokens_deployment() {
  static Deployment instance(token_options());
  return instance;
}

struct Accounts {
  std::string alice_app;  // alice: TOTP on
  static Accounts& get() {
    static Accounts accounts = [] {
      Accounts a;
      auto& d = tokens_deployment();
      d.add_user("alice", "alice-account-pw", true, "alice@example.com");
      d.add_user("bob", "bob-account-pw", false, "bob@example.com");
      a.alice_app = d.new_app_password("alice", "YouTrack Mobile");
      return a;
    }();
    return accounts;
  }
};

std::vector<std::string> bearer(const std::string& token) {
  return {"-H", "Authorization: Bearer " + token};
}

std::string new_token(Deployment& d, const std::string& user, const std::string& name,
                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"token", "new", user, "--name", name, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const ProcessResult created = d.cli(args);
  BOOST_REQUIRE_MESSAGE(created.exit_code == 0, describe(created));
  return std::string(boost::json::parse(created.out).at("token").as_string());
}

HttpResult post_form(Deployment& d, const std::string& path, const std::string& body,
                     std::vector<std::string> extra = {}) {
  std::vector<std::string> args{
      "-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", "--data-raw", body};
  args.insert(args.end(), extra.begin(), extra.end());
  return d.curl(path, args);
}

boost::json::object json_of(const HttpResult& r) {
  return boost::json::parse(r.body).as_object();
}

std::string text(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Every token endpoint answer: JSON, never cached (RFC 6749 §5.1, §5.2).
void check_no_store(const HttpResult& r) {
  BOOST_TEST(r.header("Content-Type") == "application/json");
  BOOST_TEST(r.header("Cache-Control") == "no-store");
  BOOST_TEST(r.header("Pragma") == "no-cache");
}

void check_oauth_error(const HttpResult& r, int status, const std::string& code) {
  BOOST_TEST_REQUIRE(r.status == status, r.curl_error << r.body);
  check_no_store(r);
  BOOST_TEST(text(json_of(r), "error") == code);
}

struct Pair {
  std::string access;
  std::string refresh;
};

Pair password_grant(Deployment& d, const std::string& user, const std::string& password,
                    const std::string& extra = "") {
  const auto r = post_form(
      d, "/oauth/token",
      "grant_type=password&client_id=mobile&username=" + user + "&password=" + password + extra);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const auto o = json_of(r);
  return {text(o, "access_token"), text(o, "refresh_token")};
}

HttpResult refresh_grant(Deployment& d, const std::string& refresh) {
  return post_form(d, "/oauth/token",
                   "grant_type=refresh_token&client_id=mobile&refresh_token=" + refresh);
}

// Polls until `status` is seen (revocations travel by NOTIFY); at most `wait`.
bool becomes(Deployment& d, const std::string& path, const std::vector<std::string>& args,
             int status, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (d.curl(path, args).status == status) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tokens)

BOOST_AUTO_TEST_CASE(permanent_token_as_bearer_reaches_the_upstream_as_its_user) {
  auto& d = tokens_deployment();
  Accounts::get();
  const std::string token = new_token(d, "alice", "issue sync");
  BOOST_TEST(token.rfind("lkp_", 0) == 0u);
  BOOST_TEST(token.size() == auth::kTokenLength);
  const auto r = d.curl("/api/issues", bearer(token));
  BOOST_TEST(r.status == 200);
  const auto record = d.upstream_records().back();
  BOOST_TEST(record_header(record, "X-Forwarded-User") == "alice");
  BOOST_TEST(record_header_count(record, "Authorization") == 0u);
  BOOST_TEST(d.log_contains("\"token\":\"issue sync\""));
  BOOST_TEST(d.log_text().find(token) == std::string::npos);  // never logged
  // Routes that do not accept tokens refuse it with their Basic challenge only.
  const auto basic_only = d.curl("/issues", bearer(token));
  BOOST_TEST(basic_only.status == 401);
  BOOST_TEST(basic_only.header("WWW-Authenticate").find("Basic") == 0u);
}

// Last use is written behind, once a second: an admin sees it with `token list` in seconds.
BOOST_AUTO_TEST_CASE(bearer_use_shows_as_last_use_in_token_list_within_seconds) {
  auto& d = tokens_deployment();
  Accounts::get();
  const std::string token = new_token(d, "bob", "last use");
  const auto listed = [&] {
    const ProcessResult r = d.cli({"token", "list", "bob", "--json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const boost::json::value listing = boost::json::parse(r.out);
    for (const auto& t : listing.as_array()) {
      if (t.at("name").as_string() == "last use") return t.as_object();
    }
    BOOST_FAIL("token \"last use\" is not listed");
    return boost::json::object{};
  };
  BOOST_TEST(listed().at("last_used_at").is_null());
  BOOST_TEST(d.curl("/api/issues", bearer(token)).status == 200);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  boost::json::object shown = listed();
  while (shown.at("last_used_at").is_null() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    shown = listed();
  }
  BOOST_REQUIRE(shown.at("last_used_at").is_string());
  BOOST_TEST(std::string(shown.at("last_used_from").as_string()) == "127.0.0.1");
  BOOST_TEST(d.database().query_value("SELECT last_used_at BETWEEN now() - interval '1 minute' "
                                      "AND now() FROM tokens WHERE name = 'last use'") == "t");
}

BOOST_AUTO_TEST_CASE(token_works_as_the_password_of_basic_auth_for_its_own_user_only) {
  auto& d = tokens_deployment();
  Accounts::get();
  const std::string token = new_token(d, "alice", "ci bot");
  BOOST_TEST(d.curl("/api/x", {"-u", "alice:" + token}).status == 200);
  BOOST_TEST(record_header(d.upstream_records().back(), "X-Forwarded-User") == "alice");
  BOOST_TEST(d.curl("/api/x", {"-u", "bob:" + token}).status == 401);
  // Tokens are never application passwords: the app-password-only route refuses it.
  BOOST_TEST(d.curl("/issues", {"-u", "alice:" + token}).status == 401);
}

BOOST_AUTO_TEST_CASE(missing_credentials_offer_every_scheme_the_route_accepts) {
  auto& d = tokens_deployment();
  const auto r = d.curl("/api/x");
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.headers.find("WWW-Authenticate: Basic realm=\"api\", charset=\"UTF-8\"") !=
             std::string::npos);
  BOOST_TEST(r.headers.find("WWW-Authenticate: Bearer realm=\"api\"\r") != std::string::npos);
  const auto basic_only = d.curl("/x");
  BOOST_TEST(basic_only.headers.find("Bearer") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_or_mistyped_token_is_invalid_token_and_malformed_header_is_400) {
  auto& d = tokens_deployment();
  const std::string unknown = auth::generate_token(auth::TokenKind::permanent);
  const auto r = d.curl("/api/x", bearer(unknown));
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.header("WWW-Authenticate") ==
             "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"the access "
             "token is unknown, expired or revoked\"");
  std::string typo = unknown;
  typo[10] = typo[10] == 'a' ? 'b' : 'a';
  const auto mistyped = d.curl("/api/x", bearer(typo));
  BOOST_TEST(mistyped.status == 401);
  BOOST_TEST(mistyped.header("WWW-Authenticate").find("error=\"invalid_token\"") !=
             std::string::npos);
  BOOST_TEST(d.log_contains("\"reason\":\"not_a_token\""));
  // A refresh token is no credential for a route.
  BOOST_TEST(d.curl("/api/x", bearer(auth::generate_token(auth::TokenKind::refresh))).status ==
             401);
  const auto malformed = d.curl("/api/x", {"-H", "Authorization: Bearer two words"});
  BOOST_TEST(malformed.status == 400);
  BOOST_TEST(malformed.header("WWW-Authenticate") ==
             "Bearer realm=\"api\", error=\"invalid_request\", error_description=\"the "
             "Authorization header is malformed\"");
}

BOOST_AUTO_TEST_CASE(token_without_the_routes_scope_gets_403_insufficient_scope) {
  auto& d = tokens_deployment();
  Accounts::get();
  const std::string reader = new_token(d, "alice", "reader", {"--scope", "tracker:read"});
  const auto r = d.curl("/writes/x", bearer(reader));
  BOOST_TEST(r.status == 403);
  BOOST_TEST(r.header("WWW-Authenticate") ==
             "Bearer realm=\"writes\", error=\"insufficient_scope\", error_description=\"the "
             "access token lacks a scope this resource requires\", scope=\"tracker:write\"");
  const std::string writer =
      new_token(d, "alice", "writer", {"--scope", "tracker:read", "--scope", "tracker:write"});
  BOOST_TEST(d.curl("/writes/x", bearer(writer)).status == 200);
  // Without --scope a token carries every scope.
  BOOST_TEST(d.curl("/writes/x", bearer(new_token(d, "alice", "all scopes"))).status == 200);
  // The route takes tokens only: an application password is refused.
  BOOST_TEST(d.curl("/writes/x", {"-u", "alice:" + Accounts::get().alice_app}).status == 401);
}

BOOST_AUTO_TEST_CASE(expired_token_is_refused) {
  auto& d = tokens_deployment();
  Accounts::get();
  const std::string token = new_token(d, "bob", "short-lived", {"--expires", "1s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto r = d.curl("/api/x", bearer(token));
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.header("WWW-Authenticate").find("invalid_token") != std::string::npos);
  const ProcessResult listed = d.cli({"token", "list", "bob"});
  BOOST_TEST(listed.out.find("short-lived") != std::string::npos);
  BOOST_TEST(listed.out.find("expired") != std::string::npos);
}

// Used while live, the token is in the verified cache (TTL 10 minutes here); its expiry sends
// no notification, and must still end it on time.
BOOST_AUTO_TEST_CASE(a_token_used_before_it_expires_is_refused_once_it_has) {
  auto& d = tokens_deployment();
  Accounts::get();
  const auto created = std::chrono::steady_clock::now();
  const std::string token = new_token(d, "bob", "cached-then-expired", {"--expires", "5s"});
  BOOST_TEST_REQUIRE(d.curl("/api/x", bearer(token)).status == 200);
  std::this_thread::sleep_until(created + std::chrono::milliseconds(5500));
  const auto r = d.curl("/api/x", bearer(token));
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.header("WWW-Authenticate").find("invalid_token") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(revoking_a_token_with_the_cli_ends_it_at_once_despite_the_cache) {
  auto& d = tokens_deployment();
  Accounts::get();
  const std::string token = new_token(d, "bob", "sync job");
  BOOST_TEST(d.curl("/api/x", bearer(token)).status == 200);  // cached for 10 minutes
  const ProcessResult revoked = d.cli({"token", "revoke", "bob", "sync job"});
  BOOST_TEST(revoked.exit_code == 0, describe(revoked));
  BOOST_TEST(becomes(d, "/api/x", bearer(token), 401, std::chrono::seconds(1)));
  const ProcessResult listed = d.cli({"token", "list", "bob", "--json"});
  BOOST_TEST(listed.out.find("\"state\":\"revoked\"") != std::string::npos);
  BOOST_TEST(listed.out.find(token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(token_cli_refuses_bad_arguments_clearly) {
  auto& d = tokens_deployment();
  Accounts::get();
  const ProcessResult no_name = d.cli({"token", "new", "bob"});
  BOOST_TEST(no_name.exit_code == 2);
  BOOST_TEST(no_name.err.find("--name NAME is required") != std::string::npos);
  const ProcessResult bad_expiry =
      d.cli({"token", "new", "bob", "--name", "x", "--expires", "soon"});
  BOOST_TEST(bad_expiry.exit_code == 2);
  BOOST_TEST(bad_expiry.err.find("--expires \"soon\" is not a lifetime") != std::string::npos);
  const ProcessResult bad_scope =
      d.cli({"token", "new", "bob", "--name", "x", "--scope", "tracker\"read"});
  BOOST_TEST(bad_scope.exit_code == 2);
  BOOST_TEST(bad_scope.err.find("--scope") != std::string::npos);
  new_token(d, "bob", "twice");
  const ProcessResult duplicate = d.cli({"token", "new", "bob", "--name", "twice"});
  BOOST_TEST(duplicate.exit_code == 1);
  BOOST_TEST(duplicate.err.find("already has a token named \"twice\"") != std::string::npos);
  const ProcessResult unknown_user = d.cli({"token", "new", "nobody", "--name", "x"});
  BOOST_TEST(unknown_user.exit_code == 1);
  BOOST_TEST(unknown_user.err.find("no user \"nobody\"") != std::string::npos);
  const ProcessResult unknown_name = d.cli({"token", "revoke", "bob", "never made"});
  BOOST_TEST(unknown_name.exit_code == 1);
  BOOST_TEST(unknown_name.err.find("has no active token named \"never made\"") !=
             std::string::npos);
}

// The mobile app flow of the issue, end to end.
BOOST_AUTO_TEST_CASE(mobile_flow_password_grant_bearer_refresh_and_revocation_of_the_app_password) {
  auto& d = tokens_deployment();
  const auto& accounts = Accounts::get();
  const std::string app = d.new_app_password("alice", "Phone flow");
  const auto granted =
      post_form(d, "/oauth/token",
                "grant_type=password&client_id=mobile&username=alice&password=" + app +
                    "&scope=tracker%3Aread");
  BOOST_TEST_REQUIRE(granted.status == 200, granted.body);
  check_no_store(granted);
  const auto o = json_of(granted);
  BOOST_TEST(text(o, "token_type") == "Bearer");
  BOOST_TEST(o.at("expires_in").as_int64() == 3600);
  BOOST_TEST(text(o, "scope") == "tracker:read");
  const std::string access = text(o, "access_token");
  const std::string refresh = text(o, "refresh_token");
  BOOST_TEST(access.rfind("lka_", 0) == 0u);
  BOOST_TEST(refresh.rfind("lkr_", 0) == 0u);

  const auto used = d.curl("/api/issues", bearer(access));
  BOOST_TEST(used.status == 200);
  const auto record = d.upstream_records().back();
  BOOST_TEST(record_header(record, "X-Forwarded-User") == "alice");
  BOOST_TEST(record_header_count(record, "Authorization") == 0u);
  BOOST_TEST(d.log_contains("\"token\":\"Phone flow\""));
  // tracker:read only: the write route says which scope is missing.
  BOOST_TEST(d.curl("/writes/x", bearer(access)).status == 403);

  const auto refreshed = refresh_grant(d, refresh);
  BOOST_TEST_REQUIRE(refreshed.status == 200, refreshed.body);
  check_no_store(refreshed);
  const auto r = json_of(refreshed);
  const std::string access2 = text(r, "access_token");
  const std::string refresh2 = text(r, "refresh_token");
  BOOST_TEST(refresh2 != refresh);
  BOOST_TEST(text(r, "scope") == "tracker:read");
  BOOST_TEST(d.curl("/api/x", bearer(access2)).status == 200);  // now cached for 10 minutes

  const ProcessResult revoked = d.cli({"app-password", "revoke", "alice", "Phone flow"});
  BOOST_TEST(revoked.exit_code == 0, describe(revoked));
  BOOST_TEST(becomes(d, "/api/x", bearer(access2), 401, std::chrono::seconds(1)));
  BOOST_TEST(d.curl("/api/x", bearer(access)).status == 401);
  check_oauth_error(refresh_grant(d, refresh2), 400, "invalid_grant");
  // The other application password of the account is untouched.
  BOOST_TEST(d.curl("/api/x", {"-u", "alice:" + accounts.alice_app}).status == 200);
}

BOOST_AUTO_TEST_CASE(reusing_a_refresh_token_revokes_the_family_and_is_audited) {
  auto& d = tokens_deployment();
  const auto& accounts = Accounts::get();
  const Pair first = password_grant(d, "alice", accounts.alice_app);
  const auto rotated = refresh_grant(d, first.refresh);
  BOOST_TEST_REQUIRE(rotated.status == 200);
  const std::string access2 = text(json_of(rotated), "access_token");
  const std::string refresh2 = text(json_of(rotated), "refresh_token");
  BOOST_TEST(d.curl("/api/x", bearer(access2)).status == 200);

  const auto replay = refresh_grant(d, first.refresh);  // the thief, or the app, replays it
  check_oauth_error(replay, 400, "invalid_grant");
  BOOST_TEST(text(json_of(replay), "error_description").find("already used") != std::string::npos);
  check_oauth_error(refresh_grant(d, refresh2), 400, "invalid_grant");
  BOOST_TEST(becomes(d, "/api/x", bearer(access2), 401, std::chrono::seconds(1)));
  const ProcessResult audit = d.cli({"audit", "alice", "--json"});
  BOOST_TEST(audit.out.find("token.refresh_reused") != std::string::npos);
  BOOST_TEST(d.log_contains("refresh_token_reused"));
}

BOOST_AUTO_TEST_CASE(token_endpoint_errors_follow_rfc_6749_section_5_2) {
  auto& d = tokens_deployment();
  const auto& accounts = Accounts::get();
  const std::string good = "&client_id=mobile&username=alice&password=" + accounts.alice_app;
  check_oauth_error(post_form(d, "/oauth/token", "client_id=mobile"), 400, "invalid_request");
  check_oauth_error(post_form(d, "/oauth/token", "grant_type=client_credentials&client_id=mobile"),
                    400, "unsupported_grant_type");
  const auto duplicate =
      post_form(d, "/oauth/token", "grant_type=password&grant_type=password" + good);
  check_oauth_error(duplicate, 400, "invalid_request");
  BOOST_TEST(text(json_of(duplicate), "error_description").find("\"grant_type\"") !=
             std::string::npos);
  check_oauth_error(
      post_form(d, "/oauth/token", "grant_type=password&client_id=mobile&username=alice"), 400,
      "invalid_request");
  check_oauth_error(post_form(d, "/oauth/token", "grant_type=password&password=x&username=alice"),
                    400, "invalid_client");  // the registry is configured: client_id needed
  check_oauth_error(post_form(d, "/oauth/token",
                              "grant_type=password&client_id=stranger&username=alice&password=x"),
                    400, "invalid_client");
  const auto basic_client =
      post_form(d, "/oauth/token", "grant_type=password" + good, {"-u", "mobile:some-secret"});
  check_oauth_error(basic_client, 401, "invalid_client");
  BOOST_TEST(basic_client.header("WWW-Authenticate") ==
             "Basic realm=\"latchkey-oauth\", charset=\"UTF-8\"");
  check_oauth_error(post_form(d, "/oauth/token",
                              "grant_type=password&client_id=refresher&username=alice&password=x"),
                    400, "unauthorized_client");
  check_oauth_error(post_form(d, "/oauth/token", "grant_type=password&scope=admin" + good), 400,
                    "invalid_scope");
  check_oauth_error(post_form(d, "/oauth/token", "grant_type=password&scope=%22" + good), 400,
                    "invalid_scope");
  const auto wrong = post_form(
      d, "/oauth/token", "grant_type=password&client_id=mobile&username=alice&password=wrong-pw");
  check_oauth_error(wrong, 400, "invalid_grant");
  BOOST_TEST(text(json_of(wrong), "error_description") == "the username or password is wrong");
  const auto totp =
      post_form(d, "/oauth/token",
                "grant_type=password&client_id=mobile&username=alice&password=alice-account-pw");
  check_oauth_error(totp, 400, "invalid_grant");
  BOOST_TEST(text(json_of(totp), "error_description").find("two-factor authentication") !=
             std::string::npos);
  // bob has no TOTP, but this deployment does not allow account passwords at the endpoint.
  const auto bob =
      post_form(d, "/oauth/token",
                "grant_type=password&client_id=mobile&username=bob&password=bob-account-pw");
  check_oauth_error(bob, 400, "invalid_grant");
  BOOST_TEST(text(json_of(bob), "error_description").find("application password") !=
             std::string::npos);
  check_oauth_error(post_form(d, "/oauth/token", "grant_type=refresh_token&client_id=mobile"), 400,
                    "invalid_request");
  check_oauth_error(post_form(d, "/oauth/token",
                              "grant_type=refresh_token&client_id=mobile&refresh_token=lkr_nope"),
                    400, "invalid_grant");
  const auto wrong_type =
      d.curl("/oauth/token", {"-X", "POST", "-H", "Content-Type: application/json", "-d", "{}"});
  check_oauth_error(wrong_type, 400, "invalid_request");
  const auto get = d.curl("/oauth/token");
  BOOST_TEST(get.status == 405);
  BOOST_TEST(get.header("Allow") == "POST");
  check_no_store(get);
  const auto bad_encoding = post_form(d, "/oauth/token", "grant_type=pass%zzword");
  check_oauth_error(bad_encoding, 400, "invalid_request");
}

BOOST_AUTO_TEST_CASE(refresh_token_is_bound_to_its_client_and_cannot_widen_its_scope) {
  auto& d = tokens_deployment();
  const auto& accounts = Accounts::get();
  const Pair pair = password_grant(d, "alice", accounts.alice_app, "&scope=tracker:read");
  check_oauth_error(
      post_form(d, "/oauth/token",
                "grant_type=refresh_token&client_id=refresher&refresh_token=" + pair.refresh),
      400, "invalid_grant");
  check_oauth_error(post_form(d, "/oauth/token",
                              "grant_type=refresh_token&client_id=mobile&scope=tracker:write&"
                              "refresh_token=" +
                                  pair.refresh),
                    400, "invalid_scope");
  BOOST_TEST(refresh_grant(d, pair.refresh).status == 200);  // neither attempt spent it
}

// RFC 6749 §6: the narrowed scope is the new access token's; the grant keeps the rest.
BOOST_AUTO_TEST_CASE(a_narrowed_refresh_does_not_shrink_the_grant) {
  auto& d = tokens_deployment();
  const auto& accounts = Accounts::get();
  const Pair pair =
      password_grant(d, "alice", accounts.alice_app, "&scope=tracker%3Aread+tracker%3Awrite");
  const auto refresh_with = [&](const std::string& refresh, const std::string& scope) {
    return post_form(
        d, "/oauth/token",
        "grant_type=refresh_token&client_id=mobile&scope=" + scope + "&refresh_token=" + refresh);
  };
  const auto narrowed = refresh_with(pair.refresh, "tracker%3Aread");
  BOOST_TEST_REQUIRE(narrowed.status == 200, narrowed.body);
  BOOST_TEST(text(json_of(narrowed), "scope") == "tracker:read");
  BOOST_TEST(d.curl("/writes/x", bearer(text(json_of(narrowed), "access_token"))).status == 403);
  const auto widened_again =
      refresh_with(text(json_of(narrowed), "refresh_token"), "tracker%3Awrite");
  BOOST_TEST_REQUIRE(widened_again.status == 200, widened_again.body);
  BOOST_TEST(text(json_of(widened_again), "scope") == "tracker:write");
  BOOST_TEST(d.curl("/writes/x", bearer(text(json_of(widened_again), "access_token"))).status ==
             200);
}

// A lock ends by itself: the refresh is answered as the password grant answers a lock (429,
// Retry-After), not invalid_grant, which makes clients throw their refresh token away.
BOOST_AUTO_TEST_CASE(refresh_is_429_while_the_account_is_locked_and_invalid_grant_once_disabled) {
  auto& d = tokens_deployment();
  d.add_user("lena", "lena-account-pw", true);
  const Pair pair = password_grant(d, "lena", d.new_app_password("lena", "phone"));
  BOOST_TEST_REQUIRE(d.database().query_value("UPDATE users SET locked_until = now() + interval "
                                              "'10 minutes' WHERE username = 'lena' RETURNING "
                                              "'locked'") == "locked");
  const auto locked = refresh_grant(d, pair.refresh);
  check_oauth_error(locked, 429, "temporarily_unavailable");
  BOOST_TEST(std::stoi(locked.header("Retry-After")) > 60);
  BOOST_TEST(d.log_contains("oauth_account_locked"));
  BOOST_REQUIRE(d.cli({"user", "unlock", "lena"}).exit_code == 0);
  const auto unlocked = refresh_grant(d, pair.refresh);  // the lock spent nothing
  BOOST_TEST_REQUIRE(unlocked.status == 200, unlocked.body);
  BOOST_REQUIRE(d.cli({"user", "disable", "lena"}).exit_code == 0);
  const auto disabled = refresh_grant(d, text(json_of(unlocked), "refresh_token"));
  check_oauth_error(disabled, 400, "invalid_grant");
}

// Without a client registry any client_id is taken, but only one RFC 6749 Appendix A.1 allows
// (VSCHAR) and the database can store (200 characters): anything else is a malformed request.
BOOST_AUTO_TEST_CASE(a_malformed_client_id_is_invalid_request_without_a_client_registry) {
  DeploymentOptions options = token_options();
  options.extra_sections = "oauth: { access_token_ttl: 1h, refresh_token_ttl: 30d }\n";
  Deployment d(options);
  d.add_user("carol", "carol-account-pw", true);
  const std::string app = d.new_app_password("carol", "phone");
  const auto grant = [&](const std::string& client_id, std::vector<std::string> extra = {}) {
    return post_form(d, "/oauth/token",
                     "grant_type=password&username=carol&password=" + app + client_id,
                     std::move(extra));
  };
  const std::string longest(200, 'c');
  const auto fits = grant("&client_id=" + longest);
  BOOST_TEST_REQUIRE(fits.status == 200, fits.body);
  BOOST_TEST(post_form(d, "/oauth/token",
                       "grant_type=refresh_token&client_id=" + longest +
                           "&refresh_token=" + text(json_of(fits), "refresh_token"))
                 .status == 200);
  BOOST_TEST(grant("&client_id=my+app").status == 200);  // a space is a VSCHAR
  for (const std::string& bad :
       {std::string(201, 'c'), std::string(300, 'c'), std::string("line%0Abreak"),
        std::string("caf%C3%A9"), std::string("del%7F")}) {
    const auto r = grant("&client_id=" + bad);
    check_oauth_error(r, 400, "invalid_request");
    BOOST_TEST(text(json_of(r), "error_description").find("client_id") != std::string::npos);
  }
  check_oauth_error(grant("", {"-u", std::string(300, 'c') + ":"}), 400, "invalid_request");
  check_oauth_error(
      post_form(d, "/oauth/token",
                "grant_type=refresh_token&client_id=" + std::string(300, 'c') +
                    "&refresh_token=" + auth::generate_token(auth::TokenKind::refresh)),
      400, "invalid_request");
  BOOST_TEST(d.log_contains("oauth_malformed_client_id"));
}

BOOST_AUTO_TEST_CASE(revocation_endpoint_follows_rfc_7009) {
  auto& d = tokens_deployment();
  const auto& accounts = Accounts::get();
  const auto unknown =
      post_form(d, "/oauth/revoke", "token=" + auth::generate_token(auth::TokenKind::access));
  BOOST_TEST(unknown.status == 200);
  BOOST_TEST(post_form(d, "/oauth/revoke", "token=garbage").status == 200);
  check_oauth_error(post_form(d, "/oauth/revoke", "token_type_hint=access_token"), 400,
                    "invalid_request");
  const Pair pair = password_grant(d, "alice", accounts.alice_app);
  BOOST_TEST(d.curl("/api/x", bearer(pair.access)).status == 200);
  const auto revoked =
      post_form(d, "/oauth/revoke", "token=" + pair.refresh + "&token_type_hint=refresh_token");
  BOOST_TEST(revoked.status == 200);
  check_no_store(revoked);
  check_oauth_error(refresh_grant(d, pair.refresh), 400, "invalid_grant");
  // §2.1: the access tokens of the grant end with its refresh token.
  BOOST_TEST(becomes(d, "/api/x", bearer(pair.access), 401, std::chrono::seconds(1)));
}

BOOST_AUTO_TEST_CASE(introspection_needs_the_client_credential_and_follows_rfc_7662) {
  auto& d = tokens_deployment();
  const auto& accounts = Accounts::get();
  const Pair pair = password_grant(d, "alice", accounts.alice_app, "&scope=tracker:read");
  const auto anonymous = post_form(d, "/oauth/introspect", "token=" + pair.access);
  check_oauth_error(anonymous, 401, "invalid_client");
  BOOST_TEST(anonymous.header("WWW-Authenticate").find("Basic realm=") == 0u);
  check_oauth_error(post_form(d, "/oauth/introspect", "token=" + pair.access,
                              {"-u", "tracker:wrong-secret-0123456789"}),
                    401, "invalid_client");
  const std::vector<std::string> client{"-u", std::string("tracker:") + kIntrospectionSecret};
  const auto active = post_form(d, "/oauth/introspect", "token=" + pair.access, client);
  BOOST_TEST_REQUIRE(active.status == 200);
  check_no_store(active);
  const auto o = json_of(active);
  BOOST_TEST(o.at("active").as_bool());
  BOOST_TEST(text(o, "username") == "alice");
  BOOST_TEST(text(o, "scope") == "tracker:read");
  BOOST_TEST(text(o, "client_id") == "mobile");
  BOOST_TEST(text(o, "token_type") == "Bearer");
  BOOST_TEST(text(o, "name") == "YouTrack Mobile");
  BOOST_TEST(o.at("exp").as_int64() > o.at("iat").as_int64());
  // A live refresh token is no credential for an upstream: an upstream checking only `active`
  // must not take one as a Bearer token.
  for (const std::string& dead : {std::string("garbage"),
                                   auth::generate_token(auth::TokenKind::access), pair.refresh}) {
    const auto inactive = post_form(d, "/oauth/introspect", "token=" + dead, client);
    BOOST_TEST(inactive.status == 200);
    BOOST_TEST(inactive.body == "{\"active\":false}");
  }
}

// Beast's parser throws for a field over 65,533 bytes; from a trailer of a chunked body, which
// no header limit bounds, that once escaped the IO thread and ended the process.
BOOST_AUTO_TEST_CASE(a_token_request_trailer_too_long_to_parse_is_400_and_the_process_lives) {
  auto& d = tokens_deployment();
  const std::string body = "grant_type=password&username=bob&password=x";
  std::ostringstream chunk_size;
  chunk_size << std::hex << body.size();
  const std::string answer = d.raw_exchange(
      "POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n\r\n" +
      chunk_size.str() + "\r\n" + body + "\r\n0\r\nX-Long: " + std::string(70000, 'a') +
      "\r\n\r\n");
  BOOST_TEST(answer.rfind("HTTP/1.1 400", 0) == 0, answer.substr(0, 200));
  BOOST_TEST(post_form(d, "/oauth/token", "grant_type=password").status == 400);  // still serving
  BOOST_TEST(!d.log_contains("io_handler_failed"));
}

BOOST_AUTO_TEST_CASE(oversize_token_request_body_gets_413) {
  auto& d = tokens_deployment();
  const auto r = post_form(
      d, "/oauth/token", "grant_type=password&username=" + std::string(20000, 'a') + "&password=x");
  BOOST_TEST(r.status == 413);
}

// The same budgets as Basic auth: guesses at the token endpoint end in 429 with Retry-After,
// held for over_budget_delay as the proxy's.
BOOST_AUTO_TEST_CASE(token_endpoint_guesses_are_bounded_by_the_failure_budget) {
  DeploymentOptions options = token_options();
  options.brute_force =
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 3, per_minute: 1 },"
      " lock_after: 100, over_budget_delay: 800ms }";
  Deployment d(options);
  d.add_user("carol", "carol-account-pw", true);
  const std::string app = d.new_app_password("carol", "phone");
  for (int i = 0; i < 3; ++i) {
    check_oauth_error(
        post_form(d, "/oauth/token",
                  "grant_type=password&client_id=mobile&username=carol&password=guess" +
                      std::to_string(i)),
        400, "invalid_grant");
  }
  const auto started = std::chrono::steady_clock::now();
  const auto throttled = post_form(
      d, "/oauth/token", "grant_type=password&client_id=mobile&username=carol&password=" + app);
  BOOST_TEST((std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(800)));
  BOOST_TEST(throttled.status == 429);
  BOOST_TEST(std::stoi(throttled.header("Retry-After")) >= 1);
  check_no_store(throttled);
  // Basic auth shares the account's budget.
  BOOST_TEST(d.curl("/api/x", {"-u", "carol:" + app}).status == 429);
}

// Revoking costs a database write: an unknown token spends the address's failure budget like a
// wrong password, and an address with none left is refused before the database (RFC 7009 §2.2
// still answers 200 for unknown tokens while the budget lasts; the 429 is held as the proxy's).
BOOST_AUTO_TEST_CASE(revoking_unknown_tokens_spends_the_address_budget) {
  DeploymentOptions options = token_options();
  options.brute_force =
      "{ per_address: { burst: 3, per_minute: 1 }, per_account: { burst: 1000, per_minute: 1000 },"
      " lock_after: 100, over_budget_delay: 800ms }";
  Deployment d(options);
  d.add_user("carol", "carol-account-pw", true);
  const Pair pair = password_grant(d, "carol", d.new_app_password("carol", "phone"));
  // Found tokens and malformed ones (no query) cost nothing.
  BOOST_TEST(post_form(d, "/oauth/revoke", "token=" + pair.access).status == 200);
  BOOST_TEST(post_form(d, "/oauth/revoke", "token=" + pair.refresh).status == 200);
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(post_form(d, "/oauth/revoke", "token=garbage").status == 200);
  }
  for (int i = 0; i < 3; ++i) {
    const auto r =
        post_form(d, "/oauth/revoke", "token=" + auth::generate_token(auth::TokenKind::access));
    BOOST_TEST(r.status == 200, r.body);
  }
  for (const std::string& token :
       {auth::generate_token(auth::TokenKind::refresh), std::string("garbage")}) {
    const auto started = std::chrono::steady_clock::now();
    const auto throttled = post_form(d, "/oauth/revoke", "token=" + token);
    BOOST_TEST((std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(800)));
    check_oauth_error(throttled, 429, "temporarily_unavailable");
    BOOST_TEST(std::stoi(throttled.header("Retry-After")) >= 1);
  }
  BOOST_TEST(d.log_contains("address_over_budget"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

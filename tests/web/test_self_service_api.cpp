// The self-service JSON API as a script uses it, against the real binary, PostgreSQL and the
// recording upstream: sessions and their expiry, CSRF defences, application passwords that
// work (and stop working) through the proxy, name checks, budgets and password change.
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "tests/web/self_service_client.hpp"

namespace latchkey::test {
namespace {

namespace json = boost::json;

Deployment& page_deployment() {
  static Deployment instance([] {
    DeploymentOptions options;
    options.self_service = kSelfService;
    return options;
  }());
  return instance;
}

Deployment make_deployment(const std::string& self_service, const std::string& brute_force = "") {
  DeploymentOptions options;
  options.self_service = self_service;
  if (!brute_force.empty()) options.brute_force = brute_force;
  return Deployment(options);
}

int proxy_status_settled(Deployment& d, const std::string& credentials, int wanted) {
  return status_settled([&] { return d.curl("/x", {"-u", credentials}).status; }, wanted);
}

// Whether a query of the proxy waits for a lock in the deployment's database, within 5 s.
bool query_waits_for_lock(Deployment& d) {
  for (int i = 0; i < 100; ++i) {
    if (d.database().query_value("SELECT count(*) FROM pg_locks WHERE NOT granted AND database ="
                                 " (SELECT oid FROM pg_database WHERE datname = "
                                 "current_database())") != "0") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A 429 answered after `hold` at the earliest, while the page is served meanwhile on the one IO
// thread.
void held_while_others_are_served(Deployment& d, const std::function<HttpResult()>& call,
                                  std::chrono::milliseconds hold) {
  const auto started = std::chrono::steady_clock::now();
  auto held = std::async(std::launch::async, call);
  std::this_thread::sleep_for(hold / 4);
  BOOST_TEST(d.curl("/-/account/").status == 200);
  BOOST_TEST((held.wait_for(std::chrono::seconds(0)) == std::future_status::timeout));
  const HttpResult throttled = held.get();
  BOOST_TEST(throttled.status == 429);
  BOOST_TEST(std::stoi(throttled.header("Retry-After")) >= 1);
  const auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST(took >= hold);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(self_service_api)

BOOST_AUTO_TEST_CASE(page_is_served_with_security_headers) {
  Deployment& d = page_deployment();
  const HttpResult page = d.curl("/-/account/");
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.header("Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(page.header("Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  BOOST_TEST(page.header("X-Frame-Options") == "DENY");
  BOOST_TEST(page.header("Referrer-Policy") == "no-referrer");
  BOOST_TEST(page.body.find("Account Security") != std::string::npos);
  BOOST_TEST(d.curl("/-/account/app.js").status == 200);
  const HttpResult bare = d.curl("/-/account");
  BOOST_TEST(bare.status == 308);
  BOOST_TEST(bare.header("Location") == "/-/account/");
  BOOST_TEST(d.curl("/-/account/nothing.html").status == 404);
  // The page never reaches the upstream, and other paths still do.
  const auto before = d.upstream_record_count();
  d.curl("/-/account/");
  BOOST_TEST(d.upstream_record_count() == before);
  BOOST_TEST(d.curl("/static/x").status == 200);
}

BOOST_AUTO_TEST_CASE(sign_in_sets_a_strict_session_cookie_and_sign_out_ends_it) {
  Deployment& d = page_deployment();
  d.add_user("erin", "erin-account-pw", false);
  PageClient client(d);
  BOOST_TEST(client.call("GET", "session").status == 401);
  const HttpResult signed_in = client.sign_in("erin", "erin-account-pw");
  BOOST_TEST_REQUIRE(signed_in.status == 200);
  const std::string cookie = signed_in.header("Set-Cookie");
  BOOST_TEST(cookie.starts_with("latchkey_session="));
  BOOST_TEST(cookie.find("HttpOnly") != std::string::npos);
  BOOST_TEST(cookie.find("SameSite=Strict") != std::string::npos);
  BOOST_TEST(cookie.find("Path=/-/account/") != std::string::npos);
  BOOST_TEST(cookie.find("Secure") == std::string::npos);  // plain HTTP listener
  // The cookie value is at least 128 random bits, never the username or password.
  const auto value = cookie.substr(17, cookie.find(';') - 17);
  BOOST_TEST(value.size() >= 22u);
  BOOST_TEST(signed_in.header("Cache-Control") == "no-store");
  const HttpResult session = client.call("GET", "session");
  BOOST_TEST(session.status == 200);
  BOOST_TEST(json::parse(session.body).at("username").as_string() == "erin");
  // Only a 32-byte digest of the session id is stored, never the id itself.
  BOOST_TEST(d.database().query_value("SELECT count(*) FROM self_service_sessions s JOIN users u "
                                      "ON u.id = s.user_id WHERE u.username = 'erin' AND "
                                      "length(s.id_hash) = 32") == "1");
  BOOST_TEST(d.database().query_value("SELECT count(*) FROM self_service_sessions WHERE "
                                      "position(convert_to('" +
                                      value + "', 'UTF8') in id_hash) > 0") == "0");
  BOOST_TEST(client.call("DELETE", "session").status == 204);
  client.forget_csrf();
  BOOST_TEST(client.call("GET", "session").status == 401);
}

BOOST_AUTO_TEST_CASE(wrong_password_and_unknown_user_get_the_same_answer) {
  Deployment& d = page_deployment();
  d.add_user("fred", "fred-account-pw", false);
  PageClient client(d);
  const HttpResult wrong = client.sign_in("fred", "not-it");
  const HttpResult unknown = client.sign_in("nobody-here", "not-it");
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(unknown.status == 401);
  BOOST_TEST(wrong.body == unknown.body);
  BOOST_TEST(wrong.header("Set-Cookie").empty());
  BOOST_TEST(d.log_contains("bad_password"));
}

BOOST_AUTO_TEST_CASE(state_changes_need_the_csrf_token_and_the_same_origin) {
  Deployment& d = page_deployment();
  d.add_user("gina", "gina-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("gina", "gina-account-pw").status == 200);
  const std::string token = client.csrf();
  const std::string body = R"({"name":"csrf probe"})";
  client.forget_csrf();
  const HttpResult without = client.call("POST", "app-passwords", body);
  BOOST_TEST(without.status == 403);
  BOOST_TEST(json::parse(without.body).at("error").as_string() == "csrf_token");
  BOOST_TEST(
      client.call("POST", "app-passwords", body, {"-H", "X-CSRF-Token: " + token + "0"}).status ==
      403);
  const std::vector<std::string> with_token{"-H", "X-CSRF-Token: " + token};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), with_token.begin(), with_token.end());
    return more;
  };
  BOOST_TEST(
      client.call("POST", "app-passwords", body, with({"-H", "Origin: https://evil.example"}))
          .status == 403);
  BOOST_TEST(client.call("POST", "app-passwords", body, with({"-H", "Sec-Fetch-Site: cross-site"}))
                 .status == 403);
  BOOST_TEST(client
                 .call("POST", "app-passwords", "",
                       with({"-H", "Content-Type: text/plain", "--data-binary", body}))
                 .status == 415);
  // Nothing was created by the refused calls.
  BOOST_TEST(d.cli({"app-password", "list", "gina", "--json"}).out == "[]\n");
  const std::string origin = "Origin: " + d.base_url();
  BOOST_TEST(client.call("POST", "app-passwords", body, with({"-H", origin})).status == 201);
  // Login CSRF: a sign-in posted from another site is refused too.
  PageClient other(d, "other");
  BOOST_TEST(other
                 .call("POST", "session", R"({"username":"gina","password":"gina-account-pw"})",
                       {"-H", "Origin: https://evil.example"})
                 .status == 403);
  BOOST_TEST(d.log_contains("csrf_origin_mismatch"));
}

BOOST_AUTO_TEST_CASE(app_password_works_through_the_proxy_until_revoked) {
  Deployment& d = page_deployment();
  d.add_user("hank", "hank-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("hank", "hank-account-pw").status == 200);
  const HttpResult created = client.call("POST", "app-passwords", R"({"name":"YouTrack Mobile"})");
  BOOST_TEST_REQUIRE(created.status == 201);
  const json::value body = json::parse(created.body);
  const std::string password(body.at("password").as_string());
  BOOST_TEST(password.size() == 19u);
  BOOST_TEST(password[4] == '-');
  BOOST_TEST(password[9] == '-');
  BOOST_TEST(password[14] == '-');
  BOOST_TEST(d.curl("/x", {"-u", "hank:" + password}).status == 200);
  // The dashes are optional.
  std::string bare = password;
  std::erase(bare, '-');
  BOOST_TEST(d.curl("/x", {"-u", "hank:" + bare}).status == 200);
  const json::value listed = json::parse(client.call("GET", "app-passwords").body);
  const auto& list = listed.at("app_passwords").as_array();
  BOOST_TEST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].at("name").as_string() == "YouTrack Mobile");
  BOOST_TEST(list[0].as_object().contains("last_used_at"));
  BOOST_TEST(!list[0].as_object().contains("password"));
  const std::string id = std::to_string(body.at("id").as_int64());
  BOOST_TEST(client.call("DELETE", "app-passwords/" + id).status == 200);
  BOOST_TEST(proxy_status_settled(d, "hank:" + password, 401) == 401);
  BOOST_TEST(client.call("DELETE", "app-passwords/" + id).status == 404);  // already revoked
  BOOST_TEST(d.cli({"audit", "hank"}).out.find("app_password.revoked") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(revoke_all_ends_every_live_password) {
  Deployment& d = page_deployment();
  d.add_user("ivy", "ivy-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("ivy", "ivy-account-pw").status == 200);
  std::vector<std::string> passwords;
  for (const char* name : {"laptop", "phone"}) {
    const HttpResult created =
        client.call("POST", "app-passwords", "{\"name\":" + json_text(name) + "}");
    BOOST_TEST_REQUIRE(created.status == 201);
    passwords.emplace_back(json::parse(created.body).at("password").as_string());
    BOOST_TEST(d.curl("/x", {"-u", "ivy:" + passwords.back()}).status == 200);
  }
  const HttpResult revoked = client.call("DELETE", "app-passwords");
  BOOST_TEST(revoked.status == 200);
  BOOST_TEST(json::parse(revoked.body).at("revoked_count").as_int64() == 2);
  for (const auto& password : passwords) {
    BOOST_TEST(proxy_status_settled(d, "ivy:" + password, 401) == 401);
  }
}

BOOST_AUTO_TEST_CASE(names_are_checked_with_clear_messages) {
  Deployment& d = page_deployment();
  d.add_user("jack", "jack-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("jack", "jack-account-pw").status == 200);
  auto create = [&](const std::string& name) {
    return client.call("POST", "app-passwords", "{\"name\":" + json_text(name) + "}");
  };
  const HttpResult empty = create("");
  BOOST_TEST(empty.status == 400);
  BOOST_TEST(json::parse(empty.body).at("message").as_string().find("Enter a name") !=
             std::string::npos);
  const HttpResult too_long = create(std::string(101, 'x'));
  BOOST_TEST(too_long.status == 400);
  BOOST_TEST(json::parse(too_long.body).at("message").as_string().find("100") != std::string::npos);
  BOOST_TEST(create(std::string(100, 'x')).status == 201);
  BOOST_TEST(create("Tablet").status == 201);
  const HttpResult duplicate = create("Tablet");
  BOOST_TEST(duplicate.status == 409);
  BOOST_TEST(json::parse(duplicate.body).at("message").as_string().find("already has") !=
             std::string::npos);
  BOOST_TEST(client.call("POST", "app-passwords", "{}").status == 400);
  BOOST_TEST(client.call("POST", "app-passwords", "[1]").status == 400);
  BOOST_TEST(client.call("POST", "app-passwords", "{\"name\": 5}").status == 400);
}

BOOST_AUTO_TEST_CASE(password_change_revokes_app_passwords_unless_asked_not_to) {
  Deployment& d = page_deployment();
  d.add_user("lena", "lena-account-pw", false);
  const std::string kept = d.new_app_password("lena", "kept");
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("lena", "lena-account-pw").status == 200);
  const HttpResult wrong = client.call(
      "POST", "password",
      R"({"current_password":"nope","new_password":"lena-second-pw","revoke_app_passwords":false})");
  BOOST_TEST(wrong.status == 403);
  const HttpResult weak = client.call(
      "POST", "password", R"({"current_password":"lena-account-pw","new_password":"short"})");
  BOOST_TEST(weak.status == 400);
  const HttpResult keep = client.call(
      "POST", "password",
      R"({"current_password":"lena-account-pw","new_password":"lena-second-pw","revoke_app_passwords":false})");
  BOOST_TEST(keep.status == 200);
  BOOST_TEST(json::parse(keep.body).at("revoked_app_passwords").as_int64() == 0);
  BOOST_TEST(d.curl("/x", {"-u", "lena:" + kept}).status == 200);
  PageClient again(d, "again");
  BOOST_TEST(again.sign_in("lena", "lena-account-pw").status == 401);
  BOOST_TEST(again.sign_in("lena", "lena-second-pw").status == 200);
  const HttpResult revoke =
      client.call("POST", "password",
                  R"({"current_password":"lena-second-pw","new_password":"lena-third-pw"})");
  BOOST_TEST(revoke.status == 200);
  BOOST_TEST(json::parse(revoke.body).at("revoked_app_passwords").as_int64() == 1);
  BOOST_TEST(proxy_status_settled(d, "lena:" + kept, 401) == 401);
  // The other browser's session ended with the change; this one goes on.
  BOOST_TEST(again.call("GET", "session").status == 401);
  BOOST_TEST(client.call("GET", "session").status == 200);
}

// Login CSRF: a sibling subdomain or an upstream page can plant its own session cookie with a
// more specific Path, which the browser sends first. Neither copy is used then.
BOOST_AUTO_TEST_CASE(a_second_session_cookie_leaves_the_call_signed_out) {
  Deployment& d = page_deployment();
  d.add_user("uma", "uma-account-pw", false);
  d.add_user("mallet", "mallet-account-pw", false);
  PageClient attacker(d, "attacker");
  const std::string planted = session_cookie_set(attacker.sign_in("mallet", "mallet-account-pw"));
  PageClient victim(d, "victim");
  const std::string own = session_cookie_set(victim.sign_in("uma", "uma-account-pw"));
  BOOST_TEST_REQUIRE(!planted.empty());
  BOOST_TEST_REQUIRE(!own.empty());
  const std::string one_field = "Cookie: latchkey_session=" + planted + "; latchkey_session=" + own;
  const HttpResult session = d.curl("/-/account/api/session", {"-H", one_field});
  BOOST_TEST(session.status == 401);
  BOOST_TEST(json::parse(session.body).at("error").as_string() == "signed_out");
  BOOST_TEST(session.header("Set-Cookie").empty());  // clearing ours would leave the planted one
  // Nor does the planted session take a change, though its CSRF token comes along.
  const HttpResult created =
      d.curl("/-/account/api/app-passwords",
             {"-X", "POST", "-H", "Cookie: latchkey_session=" + planted, "-H",
              "Cookie: latchkey_session=" + own, "-H", "X-CSRF-Token: " + attacker.csrf(), "-H",
              "Content-Type: application/json", "--data-binary", R"({"name":"victim's laptop"})"});
  BOOST_TEST(created.status == 401);
  BOOST_TEST(d.cli({"app-password", "list", "mallet", "--json"}).out == "[]\n");
  BOOST_TEST(d.log_contains("session_cookie_repeated"));
  // Either one alone is a session as before.
  BOOST_TEST(d.curl("/-/account/api/session", {"-H", "Cookie: latchkey_session=" + own}).status ==
             200);
}

BOOST_AUTO_TEST_CASE(behind_a_tls_terminator_the_cookie_is_secure_and_origins_https_only) {
  Deployment d = make_deployment("{ enabled: true, secure_cookie: true }");
  d.add_user("nora", "nora-account-pw", false);
  PageClient client(d);
  const HttpResult signed_in = client.sign_in("nora", "nora-account-pw");
  BOOST_TEST(signed_in.status == 200);
  BOOST_TEST(signed_in.header("Set-Cookie").find("; Secure") != std::string::npos);
  const std::string host = d.base_url().substr(7);  // without "http://"
  const std::string body = R"({"username":"nora","password":"nora-account-pw"})";
  BOOST_TEST(client.call("POST", "session", body, {"-H", "Origin: http://" + host}).status == 403);
  BOOST_TEST(client.call("POST", "session", body, {"-H", "Origin: https://" + host}).status == 200);
}

// On a host of its own the page is out of every upstream's origin: other hosts do not serve
// it (their requests go to the routes), so no upstream page can call its API as the user.
BOOST_AUTO_TEST_CASE(a_page_with_a_host_of_its_own_is_served_on_that_host_only) {
  Deployment d = make_deployment("{ enabled: true, host: Accounts.Localhost }");
  const std::string port = d.base_url().substr(d.base_url().rfind(':') + 1);
  const HttpResult own = d.curl("/-/account/", {"-H", "Host: accounts.localhost:" + port});
  BOOST_TEST(own.status == 200);
  BOOST_TEST(own.header("Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(own.body.find("<title>Account") != std::string::npos);
  for (const std::string& other : {"127.0.0.1:" + port, std::string("tracker.localhost")}) {
    BOOST_TEST_CONTEXT(other) {
      const HttpResult elsewhere = d.curl("/-/account/api/session", {"-H", "Host: " + other});
      BOOST_TEST(elsewhere.body.find("csrf") == std::string::npos);
      BOOST_TEST(elsewhere.header("Content-Type") != "application/json");
      BOOST_TEST(d.curl("/-/account/", {"-H", "Host: " + other}).body.find("<title>Account") ==
                 std::string::npos);
    }
  }
}

// On its own host and Secure, the cookie is a __Host- one: browsers take such a cookie only
// with Secure, Path=/ and no Domain, so a sibling subdomain cannot plant one; a plain-named
// cookie there is nobody's session.
BOOST_AUTO_TEST_CASE(on_its_own_host_the_secure_session_cookie_is_host_prefixed) {
  Deployment d = make_deployment("{ enabled: true, host: accounts.localhost, secure_cookie: true }");
  d.add_user("opal", "opal-account-pw", false);
  const std::string port = d.base_url().substr(d.base_url().rfind(':') + 1);
  const std::vector<std::string> page{"-H", "Host: accounts.localhost:" + port, "-H",
                                      "Origin: https://accounts.localhost:" + port};
  auto with = [&page](std::vector<std::string> args) {
    args.insert(args.begin(), page.begin(), page.end());
    return args;
  };
  const HttpResult signed_in = d.curl(
      "/-/account/api/session",
      with({"-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
            R"({"username":"opal","password":"opal-account-pw"})"}));
  BOOST_TEST_REQUIRE(signed_in.status == 200);
  const std::string cookie = signed_in.header("Set-Cookie");
  const std::string name = "__Host-latchkey_session=";
  BOOST_TEST_REQUIRE(cookie.starts_with(name), cookie);
  BOOST_TEST(cookie.find("; Path=/;") != std::string::npos, cookie);
  BOOST_TEST(cookie.find("; Secure") != std::string::npos, cookie);
  const std::string id = cookie.substr(name.size(), cookie.find(';') - name.size());
  BOOST_TEST(
      d.curl("/-/account/api/session", with({"-H", "Cookie: __Host-latchkey_session=" + id}))
          .status == 200);
  BOOST_TEST(
      d.curl("/-/account/api/session", with({"-H", "Cookie: latchkey_session=" + id})).status ==
      401);
}

BOOST_AUTO_TEST_CASE(idle_session_expires) {
  Deployment d = make_deployment("{ enabled: true, session_idle: 1s, session_max: 1h }");
  d.add_user("mia", "mia-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("mia", "mia-account-pw").status == 200);
  // Use keeps it alive past the idle limit...
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    BOOST_TEST(client.call("GET", "session").status == 200);
  }
  // ...and a pause longer than it ends it.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  const HttpResult expired = client.call("GET", "app-passwords");
  BOOST_TEST(expired.status == 401);
  BOOST_TEST(json::parse(expired.body).at("error").as_string() == "signed_out");
  BOOST_TEST(expired.header("Set-Cookie").find("Max-Age=0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(session_ends_at_its_absolute_limit_even_when_used) {
  Deployment d = make_deployment("{ enabled: true, session_idle: 2s, session_max: 3s }");
  d.add_user("ned", "ned-account-pw", false);
  PageClient client(d);
  BOOST_TEST_REQUIRE(client.sign_in("ned", "ned-account-pw").status == 200);
  int last = 200;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(3600)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    last = client.call("GET", "session").status;
    if (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500)) {
      BOOST_TEST(last == 200);
    }
  }
  BOOST_TEST(last == 401);
}

BOOST_AUTO_TEST_CASE(sign_in_shares_the_proxys_brute_force_budget) {
  Deployment d = make_deployment(
      kSelfService,
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 3, per_minute: 1 },"
      " lock_after: 100 }");
  d.add_user("olga", "olga-account-pw", false);
  PageClient client(d);
  for (int i = 0; i < 3; ++i) BOOST_TEST(client.sign_in("olga", "wrong").status == 401);
  const HttpResult throttled = client.sign_in("olga", "olga-account-pw");
  BOOST_TEST(throttled.status == 429);
  BOOST_TEST(std::stoi(throttled.header("Retry-After")) >= 1);
  // The proxy draws from the same account budget.
  BOOST_TEST(d.curl("/legacy/x", {"-u", "olga:olga-account-pw"}).status == 429);
  BOOST_TEST(d.log_contains("account_over_budget"));
}

// As the proxy's (brute_force.over_budget_delay): a storm of guesses gets one answer per
// connection per delay, for sign-in and for the calls that check a code or password alike.
BOOST_AUTO_TEST_CASE(over_budget_answers_are_held_while_others_are_served) {
  DeploymentOptions options;
  options.self_service = kSelfService;
  options.brute_force =
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 3, per_minute: 1 },"
      " lock_after: 100, over_budget_delay: 1500ms }";
  options.server = "{ header_timeout: 1s, threads: 1 }";
  Deployment d(options);
  d.add_user("olga", "olga-account-pw", false);
  PageClient owner(d, "owner");
  BOOST_TEST_REQUIRE(owner.sign_in("olga", "olga-account-pw").status == 200);  // no failure
  PageClient guesser(d, "guesser");
  for (int i = 0; i < 3; ++i) BOOST_TEST(guesser.sign_in("olga", "wrong").status == 401);
  const auto hold = std::chrono::milliseconds(1500);
  held_while_others_are_served(
      d, [&] { return guesser.sign_in("olga", "olga-account-pw"); }, hold);
  held_while_others_are_served(
      d,
      [&] {
        return owner.call("POST", "password",
                          R"({"current_password":"olga-account-pw","new_password":"olga-2nd-pw"})");
      },
      hold);
  BOOST_TEST(d.log_contains("account_over_budget"));
}

// The proxy's settle_budgets: a call that never got to check the password (the verify queue
// was full) is no guess. The one worker waits on a table lock meanwhile, so the queue of one
// stays full for as long as the test needs.
BOOST_AUTO_TEST_CASE(a_sign_in_refused_as_busy_gives_its_budget_back) {
  DeploymentOptions options;
  options.self_service = kSelfService;
  options.brute_force =
      "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 2, per_minute: 1 },"
      " lock_after: 100 }";
  options.server = "{ header_timeout: 1s, verify_workers: 1, verify_queue: 1 }";
  Deployment d(options);
  d.add_user("amy", "amy-account-pw", false);
  d.add_user("bob", "bob-account-pw", false);
  pqxx::connection locker(d.database().url());
  pqxx::work lock(locker);
  lock.exec0("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
  PageClient amy(d, "amy");
  auto stuck = std::async(std::launch::async, [&] { return amy.sign_in("amy", "amy-account-pw"); });
  BOOST_TEST_REQUIRE(query_waits_for_lock(d));
  PageClient bob(d, "bob");
  for (int i = 0; i < 3; ++i) {
    const HttpResult busy = bob.sign_in("bob", "bob-account-pw");
    BOOST_TEST(busy.status == 503);
    BOOST_TEST(json::parse(busy.body).at("error").as_string() == "busy");
  }
  lock.abort();
  BOOST_TEST(stuck.get().status == 200);
  // Three refusals, a budget of two: none of them was charged.
  BOOST_TEST(bob.sign_in("bob", "bob-account-pw").status == 200);
}

constexpr const char* kLockAfterThree =
    "{ per_address: { burst: 1000, per_minute: 1000 }, per_account: { burst: 1000,"
    " per_minute: 1000 }, lock_after: 3, lock_duration: 10m, lock_duration_max: 1h }";

// The lock is counted after the answer: waits for its write.
bool locked_soon(Deployment& d, const std::string& username) {
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (d.database().query_value("SELECT locked_until IS NOT NULL FROM users WHERE username = '" +
                                 username + "'") == "t") {
      return true;
    }
  }
  return false;
}

BOOST_AUTO_TEST_CASE(sign_in_respects_the_account_lock) {
  Deployment d = make_deployment(kSelfService, kLockAfterThree);
  d.add_user("pia", "pia-account-pw", false);
  PageClient client(d);
  for (int i = 0; i < 3; ++i) BOOST_TEST(client.sign_in("pia", "wrong").status == 401);
  BOOST_TEST(locked_soon(d, "pia"));
  BOOST_TEST(client.sign_in("pia", "pia-account-pw").status == 429);  // the right one waits too
}

// The right password is only half a sign-in: it must not wipe the count that wrong codes
// after it build up, or codes could be guessed for ever (§5.5).
BOOST_AUTO_TEST_CASE(wrong_codes_after_the_right_password_lock_a_totp_account) {
  Deployment d = make_deployment(kSelfService, kLockAfterThree);
  const std::string secret = add_totp_user(d, "rhea", "rhea-account-pw");
  PageClient client(d);
  const std::string code = totp_code(secret, 0);
  const std::string wrong = code == "000000" ? "000001" : "000000";
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(client.sign_in("rhea", "rhea-account-pw", wrong).status == 401);
  }
  BOOST_TEST(locked_soon(d, "rhea"));
  BOOST_TEST(client.sign_in("rhea", "rhea-account-pw", code).status == 429);
}

// And a sign-in that passes both factors clears the count, as a right password alone does for
// an account without TOTP: someone who mistyped a code is not left one slip from a lock.
BOOST_AUTO_TEST_CASE(a_passed_second_factor_clears_the_wrong_codes_before_it) {
  Deployment d = make_deployment(kSelfService, kLockAfterThree);
  const std::string secret = add_totp_user(d, "sven", "sven-account-pw");
  PageClient client(d);
  const std::string code = totp_code(secret, 0);
  const std::string wrong = code == "000000" ? "000001" : "000000";
  const auto failures = [&] {
    return d.database().query_value("SELECT failed_logins FROM users WHERE username = 'sven'");
  };
  for (int i = 0; i < 2; ++i) {
    BOOST_TEST(client.sign_in("sven", "sven-account-pw", wrong).status == 401);
  }
  for (int i = 0; i < 40 && failures() != "2"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // counted after the answer
  }
  BOOST_TEST_REQUIRE(failures() == "2");
  BOOST_TEST(client.sign_in("sven", "sven-account-pw", code).status == 200);
  BOOST_TEST(failures() == "0");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

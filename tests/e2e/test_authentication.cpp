// Who gets in, who does not, and what each refusal looks like from the client's side.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <thread>

#include <boost/json/parse.hpp>
#include <ctime>

#include "auth/app_password.hpp"
#include "auth/totp.hpp"
#include "tests/e2e/deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {
namespace {

struct Accounts {
  std::string alice_app;  // alice: TOTP on
  std::string bob_app;    // bob: TOTP off
  static Accounts& get() {
    static Accounts accounts = [] {
      Accounts a;
      auto& d = deployment();
      d.add_user("alice", "alice-account-pw", true, "alice@example.com");
      d.add_user("bob", "bob-account-pw", false, "bob@example.com");
      a.alice_app = d.new_app_password("alice", "YouTrack Mobile");
      a.bob_app = d.new_app_password("bob", "laptop");
      return a;
    }();
    return accounts;
  }
};

std::vector<std::string> basic(const std::string& user, const std::string& password) {
  return {"-u", user + ":" + password};
}

std::string without_dashes_upper(std::string password) {
  std::string out;
  for (char c : password) {
    if (c != '-') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(authentication)

BOOST_AUTO_TEST_CASE(app_password_of_a_totp_account_is_accepted_and_forwarded_as_that_user) {
  auto& d = deployment();
  const auto& accounts = Accounts::get();
  const auto result = d.curl("/issues?id=7", basic("alice", accounts.alice_app));
  BOOST_TEST(result.status == 200);
  const auto record = d.upstream_records().back();
  BOOST_TEST(std::string(record.at("path").as_string()) == "/issues?id=7");
  BOOST_TEST(record_header(record, "X-Forwarded-User") == "alice");
  BOOST_TEST(record_header(record, "X-Forwarded-Email") == "alice@example.com");
  BOOST_TEST(record_header_count(record, "Authorization") == 0u);
}

BOOST_AUTO_TEST_CASE(app_password_is_accepted_without_dashes_in_any_case_and_with_spaces) {
  auto& d = deployment();
  const auto& accounts = Accounts::get();
  BOOST_TEST(d.curl("/a", basic("alice", without_dashes_upper(accounts.alice_app))).status == 200);
  std::string spaced = accounts.alice_app;
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  BOOST_TEST(d.curl("/a", basic("alice", spaced)).status == 200);
  BOOST_TEST(d.curl("/a", basic("ALICE", accounts.alice_app)).status == 200);  // usernames fold
}

BOOST_AUTO_TEST_CASE(totp_account_password_gets_the_hint_only_when_it_is_right) {
  auto& d = deployment();
  Accounts::get();
  const auto right = d.curl("/a", basic("alice", "alice-account-pw"));
  BOOST_TEST(right.status == 401);
  BOOST_TEST(right.body.find("application password") != std::string::npos);
  BOOST_TEST(right.body.find("two-factor") != std::string::npos);
  const auto wrong = d.curl("/a", basic("alice", "not-her-password"));
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(wrong.body.find("two-factor") == std::string::npos);
  BOOST_TEST(d.log_contains("totp_requires_app_password"));
}

BOOST_AUTO_TEST_CASE(wrong_password_and_unknown_user_get_byte_identical_answers) {
  auto& d = deployment();
  Accounts::get();
  auto answer = [&](const std::string& user, const std::string& password) {
    const auto result = d.curl("/a", basic(user, password));
    return result.headers + result.body;  // latchkey's own replies carry no Date
  };
  const std::string wrong_password = answer("bob", "wrong-password");
  const std::string unknown_user = answer("nobody-here", "wrong-password");
  const std::string unknown_app_password = answer("bob", "abcd-efgh-jkmn-pqrs");
  const std::string totp_user_wrong_password = answer("alice", "wrong-password");
  BOOST_TEST(wrong_password.rfind("HTTP/1.1 401", 0) == 0);
  BOOST_TEST(wrong_password == unknown_user);
  BOOST_TEST(wrong_password == unknown_app_password);
  BOOST_TEST(wrong_password == totp_user_wrong_password);
}

// RFC 9110 §9.3.2: latchkey's own answer to HEAD has no body, or on a kept connection the
// body would be read as the start of the next response (a load balancer's, another user's).
BOOST_AUTO_TEST_CASE(a_refused_head_request_gets_no_body_and_the_connection_stays_in_step) {
  auto& d = deployment();
  bool closed = false;
  RawConnection connection(d.proxy_port());
  connection.send(
      "HEAD /private HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /static/after-head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answer = connection.read_until_closed(std::chrono::seconds(5), closed);
  BOOST_TEST(closed);
  BOOST_TEST_REQUIRE(answer.rfind("HTTP/1.1 401", 0) == 0, answer);
  const std::size_t head_end = answer.find("\r\n\r\n");
  BOOST_TEST_REQUIRE(head_end != std::string::npos);
  // Content-Length as for GET, and the next response right after the head.
  BOOST_TEST(answer.substr(0, head_end).find("Content-Length: ") != std::string::npos);
  BOOST_TEST(answer.compare(head_end + 4, 12, "HTTP/1.1 200") == 0, answer);
}

BOOST_AUTO_TEST_CASE(every_401_carries_the_basic_challenge) {
  auto& d = deployment();
  const auto missing = d.curl("/a");
  BOOST_TEST(missing.status == 401);
  BOOST_TEST(missing.header("WWW-Authenticate") == "Basic realm=\"tracker\", charset=\"UTF-8\"");
  const auto bearer = d.curl("/a", {"-H", "Authorization: Bearer abc"});
  BOOST_TEST(bearer.status == 401);
  BOOST_TEST(bearer.header("WWW-Authenticate") == "Basic realm=\"tracker\", charset=\"UTF-8\"");
  const auto legacy = d.curl("/legacy/x", basic("bob", "nope"));
  BOOST_TEST(legacy.header("WWW-Authenticate") == "Basic realm=\"latchkey\", charset=\"UTF-8\"");
}

BOOST_AUTO_TEST_CASE(malformed_authorization_is_a_400) {
  auto& d = deployment();
  BOOST_TEST(d.curl("/a", {"-H", "Authorization: Basic !!!notbase64"}).status == 400);
}

BOOST_AUTO_TEST_CASE(app_password_of_another_user_is_refused) {
  auto& d = deployment();
  const auto& accounts = Accounts::get();
  BOOST_TEST(d.curl("/a", basic("bob", accounts.alice_app)).status == 401);
}

BOOST_AUTO_TEST_CASE(account_password_follows_the_route_policy) {
  auto& d = deployment();
  const auto& accounts = Accounts::get();
  // deny_if_totp: bob has no TOTP, so his account password works on the default route.
  BOOST_TEST(d.curl("/a", basic("bob", "bob-account-pw")).status == 200);
  const auto legacy = d.curl("/legacy/x", basic("bob", "bob-account-pw"));
  BOOST_TEST(legacy.status == 200);
  BOOST_TEST(record_header(d.upstream_records().back(), "X-Remote-User") == "bob");
  // alice has TOTP: her account password alone passes no route (§5.1); her app password does.
  for (const std::string path : {"/a", "/legacy/x", "/strict/x"}) {
    BOOST_TEST(d.curl(path, basic("alice", "alice-account-pw")).status == 401, path);
    BOOST_TEST(d.curl(path, basic("alice", accounts.alice_app)).status == 200, path);
  }
  // deny: only application passwords.
  BOOST_TEST(d.curl("/strict/x", basic("bob", "bob-account-pw")).status == 401);
  BOOST_TEST(d.curl("/strict/x", basic("bob", accounts.bob_app)).status == 200);
}

BOOST_AUTO_TEST_CASE(disabled_user_is_refused_even_with_a_valid_app_password) {
  auto& d = deployment();
  d.add_user("carol", "carol-account-pw", false);
  const std::string app = d.new_app_password("carol", "sync job");
  BOOST_TEST(d.curl("/a", basic("carol", app)).status == 200);
  BOOST_REQUIRE(d.cli({"user", "disable", "carol"}).exit_code == 0);
  // cache.ttl is 10 minutes here: only the change notification can make this pass in time.
  int status = 200;
  const auto disabled_at = std::chrono::steady_clock::now();
  while (status != 401 && std::chrono::steady_clock::now() - disabled_at < std::chrono::seconds(3)) {
    status = d.curl("/a", basic("carol", app)).status;
    if (status != 401) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(status == 401);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - disabled_at).count() <= 1000);
}

BOOST_AUTO_TEST_CASE(revoked_app_password_stops_working_within_two_seconds) {
  auto& d = deployment();
  d.add_user("dave", "dave-account-pw", true);
  const std::string app = d.new_app_password("dave", "IDE plugin");
  BOOST_TEST(d.curl("/a", basic("dave", app)).status == 200);
  BOOST_TEST(d.curl("/a", basic("dave", app)).status == 200);  // now verified and cached
  BOOST_REQUIRE(d.cli({"app-password", "revoke", "dave", "IDE plugin"}).exit_code == 0);
  const auto revoked_at = std::chrono::steady_clock::now();
  int status = 200;
  while (std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(3)) {
    status = d.curl("/a", basic("dave", app)).status;
    if (status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto took = std::chrono::steady_clock::now() - revoked_at;
  BOOST_TEST(status == 401);
  // cache.ttl is 10 minutes here: the NOTIFY from the CLI is what ends it, well inside 2 s.
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() <= 1000);
}

// DESIGN.md §5.1 with a warm cache: once TOTP is on, the account password that was just
// accepted (and cached for 10 minutes) is refused with the hint.
BOOST_AUTO_TEST_CASE(turning_totp_on_ends_a_cached_account_password_at_once) {
  auto& d = deployment();
  d.add_user("ivan", "ivan-account-pw", false);
  BOOST_TEST(d.curl("/a", basic("ivan", "ivan-account-pw")).status == 200);
  BOOST_TEST(d.curl("/a", basic("ivan", "ivan-account-pw")).status == 200);
  const ProcessResult enabled = d.cli({"totp", "enable", "ivan", "--json"});
  BOOST_REQUIRE(enabled.exit_code == 0);
  const auto secret =
      auth::base32_decode(std::string(boost::json::parse(enabled.out).at("secret").as_string()));
  BOOST_REQUIRE(secret.has_value());
  const std::string code =
      auth::hotp_code(*secret, static_cast<std::uint64_t>(auth::totp_step(std::time(nullptr))));
  BOOST_REQUIRE(d.cli({"totp", "confirm", "ivan", "--code-stdin"}, code + "\n").exit_code == 0);
  const auto confirmed_at = std::chrono::steady_clock::now();
  HttpResult result;
  while (std::chrono::steady_clock::now() - confirmed_at < std::chrono::seconds(3)) {
    result = d.curl("/a", basic("ivan", "ivan-account-pw"));
    if (result.status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(result.status == 401);
  BOOST_TEST(result.body.find("two-factor") != std::string::npos);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - confirmed_at).count() <= 1000);
}

BOOST_AUTO_TEST_CASE(last_use_is_recorded_with_address_and_agent) {
  auto& d = deployment();
  d.add_user("erin", "erin-account-pw", false);
  const std::string app = d.new_app_password("erin", "git");
  BOOST_TEST(d.curl("/a", {"-u", "erin:" + app, "-A", "git/2.39.5"}).status == 200);
  std::string listed;
  for (int i = 0; i < 40; ++i) {  // write-behind flushes every second
    listed = d.cli({"app-password", "list", "erin", "--json"}).out;
    if (listed.find("127.0.0.1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(listed.find("127.0.0.1") != std::string::npos);
  BOOST_TEST(listed.find("git/2.39.5") != std::string::npos);
  BOOST_TEST(listed.find(app) == std::string::npos);
  // First use from an address is an audit event, written in the same flush.
  const std::string audit = d.cli({"audit", "erin"}).out;
  BOOST_TEST(audit.find("app_password.new_address") != std::string::npos);
  BOOST_TEST(audit.find(app) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(secrets_never_reach_the_log) {
  auto& d = deployment();
  const auto& accounts = Accounts::get();
  d.curl("/a", basic("alice", accounts.alice_app));
  d.curl("/a", basic("alice", "alice-account-pw"));
  d.curl("/a?last=1", basic("alice", "alice-account-pw"));
  BOOST_TEST(d.log_contains("\"user\":\"alice\""));
  BOOST_TEST(d.log_contains("\"app_password\":\"YouTrack Mobile\""));
  BOOST_TEST(d.log_contains("totp_requires_app_password"));
  const std::string log = d.log_text();
  BOOST_TEST(log.find(accounts.alice_app) == std::string::npos);
  BOOST_TEST(log.find(*auth::normalize_app_password(accounts.alice_app)) == std::string::npos);
  BOOST_TEST(log.find("alice-account-pw") == std::string::npos);
  BOOST_TEST(log.find("bob-account-pw") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

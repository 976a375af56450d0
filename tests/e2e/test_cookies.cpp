// Cookies on their way upstream (DESIGN.md §5.2): the real binary strips a route's
// strip_cookies and its own session cookie, and the recording upstream shows what arrived.
#define BOOST_TEST_DYN_LINK
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {
namespace {

using Fields = std::vector<std::string>;

DeploymentOptions cookie_options() {
  DeploymentOptions options;
  options.extra_routes =
      "  - name: cookie-app\n"
      "    match: { path_prefix: /cookie-app/ }\n"
      "    upstream: { url: \"@UPSTREAM@\" }\n"
      "    auth: { accept: [app_password] }\n"
      "    forward:\n"
      "      identity_headers: { user: X-Forwarded-User }\n"
      "      strip_cookies: [JSESSIONID, remember_me]\n"
      "  - name: cookie-public\n"
      "    match: { path_prefix: /cookie-public/ }\n"
      "    upstream: { url: \"@UPSTREAM@\" }\n"
      "    auth: none\n"
      "    forward: { strip_cookies: [PHPSESSID] }\n";
  return options;
}

Deployment& cookie_deployment() {
  static Deployment instance(cookie_options());
  return instance;
}

std::string app_password_for_carol() {
  static const std::string password = [] {
    cookie_deployment().add_user("carol", "carol-account-pw", true, "carol@example.com");
    return cookie_deployment().new_app_password("carol", "ide");
  }();
  return password;
}

// Every Cookie field the upstream received, in the order it received them.
Fields cookie_fields(const boost::json::value& record) {
  Fields fields;
  for (const auto& pair : record.at("headers").as_array()) {
    const auto& items = pair.as_array();
    std::string name(items[0].as_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "cookie") fields.emplace_back(items[1].as_string());
  }
  return fields;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cookies)

BOOST_AUTO_TEST_CASE(configured_and_own_cookies_never_reach_the_upstream) {
  // A stolen upstream session cookie would make the upstream serve its owner, not carol.
  auto& d = cookie_deployment();
  const auto result =
      d.curl("/cookie-app/issues", {"-u", "carol:" + app_password_for_carol(), "-H",
                                    "Cookie: a=1; JSESSIONID=stolen; b=2", "-H",
                                    "Cookie: remember_me=x; c=3; latchkey_session=s"});
  BOOST_TEST_REQUIRE(result.status == 200, result.curl_error << result.body);
  const auto record = d.upstream_records().back();
  BOOST_TEST(std::string(record.at("path").as_string()) == "/cookie-app/issues");
  BOOST_TEST(cookie_fields(record) == (Fields{"a=1; b=2", "c=3"}),
             boost::test_tools::per_element());
  BOOST_TEST(record_header(record, "X-Forwarded-User") == "carol");
}

BOOST_AUTO_TEST_CASE(a_field_left_empty_is_not_sent) {
  auto& d = cookie_deployment();
  const auto result = d.curl("/cookie-public/page", {"-H", "Cookie: PHPSESSID=stolen", "-H",
                                                     "Cookie: latchkey_session=s"});
  BOOST_TEST_REQUIRE(result.status == 200, result.curl_error << result.body);
  const auto record = d.upstream_records().back();
  BOOST_TEST(std::string(record.at("path").as_string()) == "/cookie-public/page");
  BOOST_TEST(record_header_count(record, "Cookie") == 0u);
}

BOOST_AUTO_TEST_CASE(a_route_without_strip_cookies_strips_only_latchkey_session) {
  auto& d = cookie_deployment();
  const auto result = d.curl("/tracker", {"-u", "carol:" + app_password_for_carol(), "-H",
                                          "Cookie: JSESSIONID=mine; latchkey_session=s; b=2", "-H",
                                          "Cookie: remember_me=y"});
  BOOST_TEST_REQUIRE(result.status == 200, result.curl_error << result.body);
  const auto record = d.upstream_records().back();
  BOOST_TEST(std::string(record.at("path").as_string()) == "/tracker");
  BOOST_TEST(cookie_fields(record) == (Fields{"JSESSIONID=mine; b=2", "remember_me=y"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

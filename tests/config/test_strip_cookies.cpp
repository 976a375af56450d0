// routes[].forward.strip_cookies: cookie names the upstream must never receive from a client.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/config/config_test_support.hpp"

using namespace latchkey::config;
using namespace latchkey::config::test;

namespace {

using Names = std::vector<std::string>;

// routes[0] on lines 5-6, routes[1] from line 7 with `lines` from line 9, indented four spaces.
std::string second_route_with(const std::string& lines) {
  return kHead +
         "routes:\n"
         "  - name: app\n"
         "    upstream: {url: \"http://127.0.0.1:9000\"}\n"
         "  - name: shop\n"
         "    match: {path_prefix: /shop/}\n" +
         lines + "    upstream: {url: \"http://127.0.0.1:9001\"}\n";
}

const std::string kNotAName = " is not a cookie name: letters, digits and !#$%&'*+-.^_`|~ only";

}  // namespace

BOOST_FIXTURE_TEST_SUITE(strip_cookies_config, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(names_are_kept_as_written_in_order) {
  const Config config = parse(second_route_with(
      "    auth: {accept: [app_password]}\n"
      "    forward:\n"
      "      identity_headers: {user: X-Forwarded-User}\n"
      "      strip_cookies: [JSESSIONID, __Host-sid, \"PHPSESSID\", remember_me]\n"));
  BOOST_TEST(config.routes.at(0).strip_cookies.empty());  // none unless configured
  const Route& shop = config.routes.at(1);
  BOOST_TEST(shop.strip_cookies == (Names{"JSESSIONID", "__Host-sid", "PHPSESSID", "remember_me"}),
             boost::test_tools::per_element());
  BOOST_TEST(shop.identity_headers.user == "X-Forwarded-User");
}

BOOST_AUTO_TEST_CASE(a_public_route_may_strip_cookies) {
  // Stripping is not about identity: a stolen session cookie works on a public route too.
  const Config config =
      parse(second_route_with("    auth: none\n"
                              "    forward: {strip_cookies: [JSESSIONID]}\n"));
  BOOST_TEST(config.routes.at(1).strip_cookies == Names{"JSESSIONID"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_public_route_still_refuses_identity_beside_strip_cookies) {
  const auto problems =
      problems_of(second_route_with("    auth: none\n"
                                    "    forward:\n"
                                    "      strip_cookies: [JSESSIONID]\n"
                                    "      identity_headers: {user: X-User}\n"));
  BOOST_TEST(
      problems == (Names{"routes[1].forward.identity_headers: a route with auth: none has no "
                         "identity to forward (line 12)"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_name_that_is_not_a_token_is_refused_at_its_item) {
  const auto problems =
      problems_of(second_route_with("    forward:\n"
                                    "      strip_cookies:\n"
                                    "        - JSESSIONID\n"
                                    "        - \"sid;evil\"\n"
                                    "        - \"a b\"\n"
                                    "        - \"na=me\"\n"
                                    "        - \"\"\n"
                                    "        - \"séance\"\n"));
  BOOST_TEST(problems ==
                 (Names{
                     R"(routes[1].forward.strip_cookies[1]: "sid;evil")" + kNotAName + " (line 12)",
                     R"(routes[1].forward.strip_cookies[2]: "a b")" + kNotAName + " (line 13)",
                     R"(routes[1].forward.strip_cookies[3]: "na=me")" + kNotAName + " (line 14)",
                     R"(routes[1].forward.strip_cookies[4]: "")" + kNotAName + " (line 15)",
                     R"(routes[1].forward.strip_cookies[5]: "séance")" + kNotAName + " (line 16)",
                 }),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_name_given_twice_is_refused_in_any_case) {
  const auto problems =
      problems_of(second_route_with("    forward:\n"
                                    "      strip_cookies: [sid, JSESSIONID, sid, jsessionid]\n"));
  BOOST_TEST(problems ==
                 (Names{R"(routes[1].forward.strip_cookies[2]: "sid" is listed twice (line 10))",
                        R"(routes[1].forward.strip_cookies[3]: "jsessionid" is the same cookie as )"
                        R"(routes[1].forward.strip_cookies[1]: names are matched in any case )"
                        "(line 10)"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wrong_types_are_refused_with_their_path) {
  struct Case {
    std::string forward;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"{strip_cookies: JSESSIONID}",
       "routes[1].forward.strip_cookies: expected a list, got a single value (line 9)"},
      {"{strip_cookies: {JSESSIONID: true}}",
       "routes[1].forward.strip_cookies: expected a list, got a map (line 9)"},
      {"{strip_cookies: [JSESSIONID, [sid]]}",
       "routes[1].forward.strip_cookies[1]: expected a single value, got a list (line 9)"},
      {"{strip_cookies: []}",
       "routes[1].forward.strip_cookies: must list at least one cookie name; leave the key out "
       "for none (line 9)"},
      {"{strip_cookie: [JSESSIONID]}",
       "routes[1].forward.strip_cookie: unknown key; expected one of identity_headers, "
       "assertion, strip_cookies (line 9)"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.forward) {
      BOOST_TEST(
          problems_of(second_route_with("    forward: " + c.forward + "\n")) == Names{c.expected},
          boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The `oauth` section and route scopes: defaults, values, and each error with its key and line.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "config_test_support.hpp"

using namespace latchkey::config;
using namespace latchkey::config::test;

namespace {

// The oauth section starts on line 5.
std::string with_oauth(const std::string& section) {
  return kHead + kRoutes + section;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(oauth_config, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(absent_section_means_off_and_present_means_on_with_defaults) {
  BOOST_TEST(!parse(kHead + kRoutes).oauth.enabled);
  const Config c = parse(with_oauth("oauth: {}\n"));
  BOOST_TEST(c.oauth.enabled);
  BOOST_TEST(c.oauth.token_path == "/oauth/token");
  BOOST_TEST(c.oauth.revoke_path == "/oauth/revoke");
  BOOST_TEST(c.oauth.introspect_path == "/oauth/introspect");
  BOOST_TEST(c.oauth.access_token_ttl.count() == 3'600'000);
  BOOST_TEST(c.oauth.refresh_token_ttl.count() == 30LL * 24 * 3'600'000);
  BOOST_TEST(!c.oauth.allow_account_password);
  BOOST_TEST(c.oauth.clients.empty());
  BOOST_TEST(!c.oauth.introspection.has_value());
  BOOST_TEST(!parse(with_oauth("oauth: {enabled: false}\n")).oauth.enabled);
}

BOOST_AUTO_TEST_CASE(every_key_is_read) {
  fake_env()["INTROSPECT"] = "a-secret-of-enough-length";
  const Config c = parse(
      with_oauth("oauth:\n"
                 "  token_path: /auth/token\n"
                 "  revoke_path: /auth/revoke\n"
                 "  introspect_path: /auth/introspect\n"
                 "  access_token_ttl: 15m\n"
                 "  refresh_token_ttl: 90d\n"
                 "  allow_account_password: true\n"
                 "  clients:\n"
                 "    - { id: mobile, scopes: [tracker:write, tracker:read] }\n"
                 "    - { id: bot, grant_types: [refresh_token] }\n"
                 "  introspection: { client_id: tracker, client_secret: \"${INTROSPECT}\" }\n"));
  BOOST_TEST(c.oauth.token_path == "/auth/token");
  BOOST_TEST(c.oauth.access_token_ttl.count() == 15 * 60'000);
  BOOST_TEST(c.oauth.refresh_token_ttl.count() == 90LL * 24 * 3'600'000);
  BOOST_TEST(c.oauth.allow_account_password);
  BOOST_TEST_REQUIRE(c.oauth.clients.size() == 2u);
  BOOST_TEST(
      (*c.oauth.clients[0].scopes == std::vector<std::string>{"tracker:read", "tracker:write"}));
  BOOST_TEST(c.oauth.clients[0].password_grant);
  BOOST_TEST(!c.oauth.clients[1].password_grant);
  BOOST_TEST(c.oauth.clients[1].refresh_token_grant);
  BOOST_TEST_REQUIRE(c.oauth.introspection.has_value());
  BOOST_TEST(c.oauth.introspection->client_secret == "a-secret-of-enough-length");
}

BOOST_AUTO_TEST_CASE(bad_values_name_their_key_and_line) {
  BOOST_TEST(problems_of(with_oauth("oauth: {token_path: oauth/token}\n")) ==
             std::vector<std::string>{
                 "oauth.token_path: \"oauth/token\" must be a plain absolute path like "
                 "/oauth/token (no '.', '%', ';', '//', trailing '/' or spaces) (line 5)"});
  BOOST_TEST(problems_of(with_oauth("oauth: {revoke_path: /oauth/token}\n")) ==
             std::vector<std::string>{"oauth.revoke_path: revoke_path is the same path as "
                                      "token_path (line 5)"});
  BOOST_TEST(problems_of(with_oauth("oauth: {refresh_token_ttl: forever}\n")) ==
             std::vector<std::string>{
                 "oauth.refresh_token_ttl: \"forever\" is not a lifetime: a whole number and s, "
                 "m, h or d, from 1s to 3650d, like 30d (line 5)"});
  BOOST_TEST(problems_of(with_oauth("oauth: {access_token_ttl: 2h, refresh_token_ttl: 1h}\n")) ==
             std::vector<std::string>{"oauth.refresh_token_ttl: refresh_token_ttl is shorter "
                                      "than access_token_ttl (line 5)"});
  BOOST_TEST(
      problems_of(with_oauth("oauth:\n  clients:\n    - {id: a}\n    - {id: a}\n")) ==
      std::vector<std::string>{"oauth.clients[1]: client id \"a\" is listed twice (line 8)"});
  BOOST_TEST(
      problems_of(with_oauth("oauth:\n  clients:\n    - {id: a, grant_types: [implicit]}\n")) ==
      std::vector<std::string>{"oauth.clients[0].grant_types[0]: \"implicit\" is not one "
                               "of password, refresh_token (line 7)"});
  BOOST_TEST(problems_of(with_oauth("oauth: {introspection: {client_id: t}}\n")) ==
             std::vector<std::string>{"oauth.introspection: one of client_secret_file or "
                                      "client_secret is required (line 5)"});
  BOOST_TEST(
      problems_of(with_oauth("oauth: {introspection: {client_id: t, client_secret: short}}\n")) ==
      std::vector<std::string>{"oauth.introspection: the introspection client secret "
                               "must be at least 16 bytes long (line 5)"});
}

BOOST_AUTO_TEST_CASE(route_scopes_are_scope_tokens) {
  const Config c = parse(kHead +
                         "routes:\n  - name: app\n    upstream: {url: \"http://127.0.0.1:9000\"}\n"
                         "    auth: {accept: [token], scopes: [b, a]}\n");
  BOOST_TEST((c.routes[0].auth.scopes == std::vector<std::string>{"a", "b"}));
  BOOST_TEST(problems_of(kHead +
                         "routes:\n  - name: app\n    upstream: {url: \"http://127.0.0.1:9000\"}\n"
                         "    auth: {accept: [token], scopes: [\"a b\"]}\n") ==
             std::vector<std::string>{
                 "routes[0].auth.scopes[0]: \"a b\" is not a scope: 1 to 100 printable ASCII "
                 "characters without spaces, '\"' or '\\' (line 7)"});
}

BOOST_AUTO_TEST_CASE(lifetimes_parse_days_and_refuse_nonsense) {
  BOOST_TEST(parse_lifetime("90d")->count() == 90LL * 24 * 3'600'000);
  BOOST_TEST(parse_lifetime("1s")->count() == 1'000);
  BOOST_TEST(!parse_lifetime("0d"));
  BOOST_TEST(!parse_lifetime("3651d"));
  BOOST_TEST(!parse_lifetime("10"));
  BOOST_TEST(!parse_lifetime("1w"));
  BOOST_TEST(!parse_lifetime("-1d"));
}

BOOST_AUTO_TEST_SUITE_END()

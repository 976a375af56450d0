#define BOOST_TEST_MODULE proxy
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "proxy/router.hpp"

using latchkey::config::Route;
using latchkey::proxy::Router;

namespace {

Route route(std::string name, std::optional<std::string> host, std::string prefix) {
  Route r;
  r.name = std::move(name);
  r.host = std::move(host);
  r.path_prefix = std::move(prefix);
  return r;
}

// The chosen route's name, or "none": a table compares one string per request.
std::string chosen(const Router& router, std::string_view host, std::string_view target) {
  const Route* r = router.match(host, target);
  return r == nullptr ? "none" : r->name;
}

struct Case {
  std::string_view host;
  std::string_view target;
  std::string_view expected;
};

void check(const Router& router, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("Host: " << c.host << ", target: " << c.target) {
      BOOST_TEST(chosen(router, c.host, c.target) == c.expected);
    }
  }
}

// parse_config needs secrets; these values satisfy its length checks.
std::optional<std::string> fake_env(const std::string& name) {
  if (name == "PEPPER") return std::string("pepper-0123456789-0123456789-0123456789");
  if (name == "TOTP_KEY") {
    return std::string("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  }
  return std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(longest_prefix_wins_whatever_the_order) {
  // Declared shortest-last on purpose: the order in the file must not decide.
  const std::vector<Route> routes{route("api", std::nullopt, "/api"),
                                  route("root", std::nullopt, "/"),
                                  route("api-v1", std::nullopt, "/api/v1")};
  const Router router(routes);
  check(router, {
                    {"h", "/", "root"},
                    {"h", "/x", "root"},
                    {"h", "/api", "api"},
                    {"h", "/api/", "api"},
                    {"h", "/api/x", "api"},
                    {"h", "/api/v1", "api-v1"},
                    {"h", "/api/v1/", "api-v1"},
                    {"h", "/api/v1/issues/7", "api-v1"},
                    {"h", "/api/v10", "api"},  // "v10" is not under "v1"
                    {"h", "/apix", "root"},    // not under "/api"
                    {"h", "/API", "root"},     // paths are case-sensitive
                });
}

// Upstreams such as IIS, ASP.NET and Express read /ADMIN as /admin: a protected prefix marked
// ignore_case takes every spelling, and a case-sensitive one still only its own.
BOOST_AUTO_TEST_CASE(an_ignore_case_prefix_takes_every_spelling) {
  std::vector<Route> routes{route("root", std::nullopt, "/"), route("admin", std::nullopt, "/admin"),
                            route("wiki", std::nullopt, "/Wiki")};
  routes[1].path_ignore_case = true;  // the parser stores the prefix lower-cased
  const Router router(routes);
  check(router, {
                    {"h", "/admin/users", "admin"},
                    {"h", "/ADMIN/users", "admin"},
                    {"h", "/Admin", "admin"},
                    {"h", "/%41dmin/users", "admin"},  // decoded, then compared in any case
                    {"h", "/ADMINX", "root"},          // still on a segment boundary
                    {"h", "/Wiki/x", "wiki"},
                    {"h", "/wiki/x", "root"},  // no ignore_case: paths are case-sensitive
                });
}

BOOST_AUTO_TEST_CASE(prefix_matches_only_on_a_segment_boundary) {
  const std::vector<Route> routes{route("api", std::nullopt, "/api")};
  const Router router(routes);
  check(router, {
                    {"h", "/api", "api"},
                    {"h", "/api/", "api"},
                    {"h", "/api/x", "api"},
                    {"h", "/api?q=1", "api"},
                    {"h", "/api/?q=1", "api"},
                    {"h", "/apix", "none"},  // a sibling must not inherit the route
                    {"h", "/api-internal/x", "none"},
                    {"h", "/ap", "none"},
                    {"h", "/", "none"},
                });
}

BOOST_AUTO_TEST_CASE(query_string_takes_no_part_in_matching) {
  const std::vector<Route> routes{route("root", std::nullopt, "/"),
                                  route("api", std::nullopt, "/api"),
                                  route("api-v1", std::nullopt, "/api/v1")};
  const Router router(routes);
  check(router, {
                    {"h", "/api?x=1", "api"},
                    {"h", "/api?/v1", "api"},  // a prefix hidden in the query does not count
                    {"h", "/?/api/v1", "root"},
                    {"h", "/apix?/api", "root"},
                    {"h", "/api/v1?redirect=/", "api-v1"},
                });
}

BOOST_AUTO_TEST_CASE(host_matches_case_insensitively_with_port_and_trailing_dot) {
  const std::vector<Route> routes{route("git", "git.example.com", "/"),
                                  route("any", std::nullopt, "/")};
  const Router router(routes);
  check(router, {
                    {"git.example.com", "/", "git"},
                    {"GIT.Example.COM", "/", "git"},
                    {"git.example.com:8443", "/", "git"},
                    {"git.example.com:443", "/repo.git/info/refs?service=x", "git"},
                    {"git.example.com.", "/", "git"},  // FQDN form names the same host
                    {"Git.Example.Com.:8443", "/", "git"},
                    {"other.example.com", "/", "any"},
                    {"git.example.com.evil.net", "/", "any"},  // suffix tricks get no host route
                    {"evil-git.example.com", "/", "any"},
                    {"example.com", "/", "any"},
                    {"", "/", "any"},  // HTTP/1.0 without Host
                });
}

BOOST_AUTO_TEST_CASE(host_route_without_a_host_less_fallback_matches_nothing_else) {
  const std::vector<Route> routes{route("git", "git.example.com", "/")};
  const Router router(routes);
  check(router, {
                    {"git.example.com", "/x", "git"},
                    {"other.example.com", "/x", "none"},
                    {"", "/x", "none"},
                    {"git.example.co", "/x", "none"},
                });
}

BOOST_AUTO_TEST_CASE(no_routes_match_nothing) {
  const std::vector<Route> routes;
  const Router router(routes);
  BOOST_TEST(router.match("example.com", "/") == nullptr);
}

BOOST_AUTO_TEST_CASE(host_route_beats_host_less_route_on_equal_prefix_in_either_order) {
  const std::vector<std::vector<Route>> orders{
      {route("any-api", std::nullopt, "/api"), route("git-api", "git.example.com", "/api")},
      {route("git-api", "git.example.com", "/api"), route("any-api", std::nullopt, "/api")},
  };
  for (const auto& routes : orders) {
    BOOST_TEST_CONTEXT("first route: " << routes.front().name) {
      const Router router(routes);
      check(router, {
                        {"git.example.com", "/api/x", "git-api"},
                        {"GIT.example.com:443", "/api", "git-api"},
                        {"other.example.com", "/api/x", "any-api"},
                        {"git.example.com", "/apix", "none"},
                    });
    }
  }
}

BOOST_AUTO_TEST_CASE(longer_host_less_prefix_beats_shorter_host_prefix) {
  // The documented rule: prefix length first, host only breaks ties.
  const std::vector<Route> routes{route("git", "git.example.com", "/api"),
                                  route("any-v1", std::nullopt, "/api/v1")};
  const Router router(routes);
  check(router, {
                    {"git.example.com", "/api/v1/x", "any-v1"},
                    {"git.example.com", "/api/v2", "git"},
                });
}

BOOST_AUTO_TEST_CASE(ipv6_host_route_matches_bracketed_host_header) {
  // Hosts as config::parse_config stores them: an IPv6 literal is kept bracketed ("[::1]").
  const std::vector<Route> routes{route("v6", "[::1]", "/"), route("v4", "10.0.0.1", "/"),
                                  route("any", std::nullopt, "/")};
  const Router router(routes);
  check(router, {
                    {"[::1]:8080", "/", "v6"},
                    {"[::1]", "/", "v6"},
                    {"10.0.0.1:8080", "/", "v4"},
                    {"10.0.0.1", "/", "v4"},
                    {"[::2]:8080", "/", "any"},
                });
}

BOOST_AUTO_TEST_CASE(routes_loaded_from_config_match_the_hosts_they_name) {
  // End to end through the config loader, so the stored host form and the router agree.
  const std::string yaml =
      "listen: [{address: \"127.0.0.1:8080\"}]\n"
      "database: {url: \"postgres://db/latchkey\"}\n"
      "secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\"}\n"
      "routes:\n"
      "  - {name: git, match: {host: Git.Example.COM}, upstream: {url: \"http://10.0.0.2\"}}\n"
      "  - {name: v6, match: {host: \"[::1]\"}, upstream: {url: \"http://10.0.0.3\"}}\n"
      "  - {name: v6-long, match: {host: \"0:0::2\"}, upstream: {url: \"http://10.0.0.3\"}}\n"
      "  - {name: v4, match: {host: 10.0.0.1, path_prefix: /api}, upstream: {url: "
      "\"http://10.0.0.4\"}}\n";
  const auto config = latchkey::config::parse_config(yaml, "test.yaml", "/tmp", &fake_env);
  const Router router(config.routes);
  check(router, {
                    {"git.example.com:443", "/", "git"},
                    {"[::1]:8080", "/", "v6"},
                    {"[::1]", "/", "v6"},
                    {"[::2]", "/", "v6-long"},
                    {"10.0.0.1:80", "/api/x", "v4"},
                    {"10.0.0.1:80", "/other", "none"},
                });
}

BOOST_AUTO_TEST_SUITE_END()

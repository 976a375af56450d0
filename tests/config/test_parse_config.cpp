#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/values.hpp"
#include "tests/config/config_test_support.hpp"

using namespace latchkey::config;
using namespace latchkey::config::test;
using namespace std::chrono_literals;

namespace {

// Every key the format accepts, with values that differ from the defaults. listen[].tls and
// the upstream TLS keys need real files: test_tls_config covers them.
const std::string kFullConfig = R"(listen:
  - address: 0.0.0.0:8443
  - address: "[::1]:8080"
admin: { address: 127.0.0.1:9901 }
database: { url: "${DATABASE_URL}", pool_size: 12, migrate_on_start: true }
secrets: { pepper: "${PEPPER}", totp_key: "${TOTP_KEY}" }
server:
  threads: 6
  header_timeout: 5s
  idle_timeout: 2m
  body_timeout: 90s
  max_header_bytes: 32768
  verify_workers: 8
  verify_queue: 512
cache: { ttl: 1h, max_entries: 5000, ttl_unsynced: 2s }
brute_force:
  per_address: { burst: 50, per_minute: 12.5 }
  per_account: { burst: 4, per_minute: 2 }
  lock_after: 20
  lock_duration: 30s
  lock_duration_max: 2h
routes:
  - name: tracker
    match: { host: Tracker.Example.COM, path_prefix: / }
    upstream:
      url: http://tracker.internal:8080/base/
      connect_timeout: 250ms
      response_timeout: 1m
      idle_timeout: 1h
      max_idle_connections: 0
    auth: { accept: [token, app_password], account_password: deny, realm: "Issue tracker" }
    forward: { identity_headers: { user: X-Forwarded-User, email: X-Forwarded-Email } }
  - name: public-assets
    match: { path_prefix: /static/ }
    upstream: { url: "http://[::1]:8081" }
    auth: none
  - name: strict
    upstream: { url: "http://10.0.0.7" }
    auth: { account_password: deny }
    forward: { identity_headers: { user: X-Remote-User } }
)";

const std::string kMinimalConfig = R"(listen:
  - address: 127.0.0.1:8080
database:
  url: postgres://localhost/latchkey
secrets:
  pepper: "${PEPPER}"
  totp_key: "${TOTP_KEY}"
routes:
  - name: app
    upstream:
      url: http://127.0.0.1:9000
)";

}  // namespace

BOOST_FIXTURE_TEST_SUITE(parse_config_suite, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(full_config_fills_every_field) {
  fake_env()["DATABASE_URL"] = "postgres://latchkey@db/latchkey";
  const Config config = parse(kFullConfig);

  BOOST_TEST(config.source == "test.yaml");
  BOOST_TEST_REQUIRE(config.listen.size() == 2u);
  BOOST_TEST(config.listen[0].address.host == "0.0.0.0");
  BOOST_TEST(config.listen[0].address.port == 8443);
  BOOST_TEST(!config.listen[0].tls.has_value());
  BOOST_TEST(config.listen[1].address.host == "::1");
  BOOST_TEST(config.listen[1].address.port == 8080);
  BOOST_TEST(!config.listen[1].tls.has_value());
  BOOST_TEST_REQUIRE(config.admin.has_value());
  BOOST_TEST(config.admin->address.host == "127.0.0.1");
  BOOST_TEST(config.admin->address.port == 9901);

  BOOST_TEST(config.database.url == "postgres://latchkey@db/latchkey");
  BOOST_TEST(config.database.pool_size == 12);
  BOOST_TEST(config.database.migrate_on_start == true);
  BOOST_TEST(config.secrets.pepper == kPepper);
  BOOST_TEST(config.secrets.totp_key.size() == 32u);
  BOOST_TEST(config.secrets.totp_key[31] == '\x1f');

  BOOST_TEST(config.server.threads == 6);
  BOOST_TEST(config.server.header_timeout.count() == 5'000);
  BOOST_TEST(config.server.idle_timeout.count() == 120'000);
  BOOST_TEST(config.server.body_timeout.count() == 90'000);
  BOOST_TEST(config.server.max_header_bytes == 32768u);
  BOOST_TEST(config.server.verify_workers == 8);
  BOOST_TEST(config.server.verify_queue == 512);
  BOOST_TEST(config.cache.ttl.count() == 3'600'000);
  BOOST_TEST(config.cache.max_entries == 5000u);
  BOOST_TEST(config.cache.ttl_unsynced.count() == 2'000);
  BOOST_TEST(config.brute_force.per_address.burst == 50);
  BOOST_TEST(config.brute_force.per_address.per_minute == 12.5);
  BOOST_TEST(config.brute_force.per_account.burst == 4);
  BOOST_TEST(config.brute_force.per_account.per_minute == 2.0);
  BOOST_TEST(config.brute_force.lock_after == 20);
  BOOST_TEST(config.brute_force.lock_duration.count() == 30'000);
  BOOST_TEST(config.brute_force.lock_duration_max.count() == 7'200'000);

  BOOST_TEST_REQUIRE(config.routes.size() == 3u);
  const Route& tracker = config.routes[0];
  BOOST_TEST(tracker.name == "tracker");
  BOOST_TEST(tracker.host.value_or("<none>") == "tracker.example.com");
  BOOST_TEST(tracker.path_prefix == "/");
  BOOST_TEST(tracker.upstream.url == "http://tracker.internal:8080/base/");
  BOOST_TEST(tracker.upstream.scheme == "http");
  BOOST_TEST(tracker.upstream.host == "tracker.internal");
  BOOST_TEST(tracker.upstream.port == 8080);
  BOOST_TEST(tracker.upstream.base_path == "/base");
  BOOST_TEST(!tracker.upstream.ca_file.has_value());
  BOOST_TEST(tracker.upstream.connect_timeout.count() == 250);
  BOOST_TEST(tracker.upstream.response_timeout.count() == 60'000);
  BOOST_TEST(tracker.upstream.idle_timeout.count() == 3'600'000);
  BOOST_TEST(tracker.upstream.max_idle_connections == 0u);
  BOOST_TEST(tracker.auth.required);
  BOOST_TEST((tracker.auth.accept ==
              std::vector<CredentialKind>{CredentialKind::token, CredentialKind::app_password}));
  BOOST_TEST((tracker.auth.account_password == AccountPasswordPolicy::deny));
  BOOST_TEST(tracker.auth.realm == "Issue tracker");
  BOOST_TEST(tracker.identity_headers.user == "X-Forwarded-User");
  BOOST_TEST(tracker.identity_headers.email == "X-Forwarded-Email");

  const Route& assets = config.routes[1];
  BOOST_TEST(assets.name == "public-assets");
  BOOST_TEST(!assets.host.has_value());
  BOOST_TEST(assets.path_prefix == "/static/");
  BOOST_TEST(assets.upstream.scheme == "http");
  BOOST_TEST(assets.upstream.host == "::1");
  BOOST_TEST(assets.upstream.port == 8081);
  BOOST_TEST(assets.upstream.base_path == "");
  BOOST_TEST(!assets.auth.required);

  const Route& strict = config.routes[2];
  BOOST_TEST(strict.upstream.port == 80);
  BOOST_TEST((strict.auth.account_password == AccountPasswordPolicy::deny));
  BOOST_TEST((strict.auth.accept == std::vector<CredentialKind>{CredentialKind::app_password}));
  BOOST_TEST(strict.identity_headers.user == "X-Remote-User");
  BOOST_TEST(strict.identity_headers.email == "");
}

BOOST_AUTO_TEST_CASE(omitted_keys_take_the_documented_defaults) {
  const Config config = parse(kMinimalConfig);
  BOOST_TEST(!config.admin.has_value());
  BOOST_TEST(!config.listen.at(0).tls.has_value());
  BOOST_TEST(config.database.pool_size == 8);
  BOOST_TEST(config.database.migrate_on_start == false);
  BOOST_TEST(config.server.threads == 0);
  BOOST_TEST(config.server.header_timeout.count() == 10'000);
  BOOST_TEST(config.server.idle_timeout.count() == 60'000);
  BOOST_TEST(config.server.body_timeout.count() == 60'000);
  BOOST_TEST(config.server.max_header_bytes == 16u * 1024);
  BOOST_TEST(config.server.verify_workers == 4);
  BOOST_TEST(config.server.verify_queue == 256);
  BOOST_TEST(config.cache.ttl.count() == 300'000);
  BOOST_TEST(config.cache.max_entries == 100'000u);
  BOOST_TEST(config.cache.ttl_unsynced.count() == 5'000);
  BOOST_TEST(config.brute_force.per_address.burst == 30);
  BOOST_TEST(config.brute_force.per_address.per_minute == 30.0);
  BOOST_TEST(config.brute_force.per_account.burst == 10);
  BOOST_TEST(config.brute_force.per_account.per_minute == 6.0);
  BOOST_TEST(config.brute_force.lock_after == 10);
  BOOST_TEST(config.brute_force.lock_duration.count() == 60'000);
  BOOST_TEST(config.brute_force.lock_duration_max.count() == 3'600'000);
  BOOST_TEST(config.brute_force.over_budget_delay.count() == 1'000);

  const Route& route = config.routes.at(0);
  BOOST_TEST(!route.host.has_value());
  BOOST_TEST(route.path_prefix == "/");
  BOOST_TEST(!route.path_ignore_case);
  BOOST_TEST(route.upstream.scheme == "http");
  BOOST_TEST(route.upstream.host == "127.0.0.1");
  BOOST_TEST(route.upstream.port == 9000);
  BOOST_TEST(route.upstream.base_path == "");
  BOOST_TEST(!route.upstream.ca_file.has_value());
  BOOST_TEST(route.upstream.connect_timeout.count() == 5'000);
  BOOST_TEST(route.upstream.response_timeout.count() == 30'000);
  BOOST_TEST(route.upstream.idle_timeout.count() == 60'000);
  BOOST_TEST(route.upstream.max_idle_connections == 32u);
  BOOST_TEST(route.auth.required);
  BOOST_TEST((route.auth.accept == std::vector<CredentialKind>{CredentialKind::app_password}));
  BOOST_TEST((route.auth.account_password == AccountPasswordPolicy::deny_if_totp));
  BOOST_TEST(route.auth.realm == "latchkey");
  BOOST_TEST(route.identity_headers.user.empty());
  BOOST_TEST(route.identity_headers.email.empty());
}

BOOST_AUTO_TEST_CASE(brute_force_keys_left_out_keep_their_defaults) {
  const Config config = parse(kMinimalConfig +
                              "brute_force:\n  per_account: {burst: 3}\n"
                              "  per_address: {per_minute: 0.5}\n  lock_duration_max: 5m\n"
                              "  over_budget_delay: 0s\n");
  BOOST_TEST(config.brute_force.per_account.burst == 3);
  BOOST_TEST(config.brute_force.per_account.per_minute == 6.0);
  BOOST_TEST(config.brute_force.per_address.burst == 30);
  BOOST_TEST(config.brute_force.per_address.per_minute == 0.5);
  BOOST_TEST(config.brute_force.lock_after == 10);
  BOOST_TEST(config.brute_force.lock_duration.count() == 60'000);
  BOOST_TEST(config.brute_force.lock_duration_max.count() == 300'000);
  BOOST_TEST(config.brute_force.over_budget_delay.count() == 0);  // 0s: answer at once
}

BOOST_AUTO_TEST_CASE(env_references_expand_in_every_scalar) {
  fake_env()["DB_USER"] = "lk";
  fake_env()["DB_HOST"] = "db.internal";
  fake_env()["POOL"] = "3";
  fake_env()["UPSTREAM"] = "http://backend:9443/app";
  fake_env()["EMPTY"] = "";
  const Config config = parse(
      "listen: [{address: \"127.0.0.1:8080\"}]\n"
      "database: {url: \"postgres://${DB_USER}@${DB_HOST}/lk$HOME${EMPTY}\", pool_size: "
      "\"${POOL}\"}\n"
      "secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\"}\n"
      "routes: [{name: app, upstream: {url: \"${UPSTREAM}\"}}]\n");
  // "$HOME" has no braces, so it stays literal.
  BOOST_TEST(config.database.url == "postgres://lk@db.internal/lk$HOME");
  BOOST_TEST(config.database.pool_size == 3);
  BOOST_TEST(config.secrets.pepper == kPepper);
  BOOST_TEST(config.routes.at(0).upstream.url == "http://backend:9443/app");
  BOOST_TEST(config.routes.at(0).upstream.port == 9443);
  BOOST_TEST(config.routes.at(0).upstream.base_path == "/app");
}

BOOST_AUTO_TEST_CASE(process_env_reads_the_real_environment) {
  ::setenv("LATCHKEY_CONFIG_TEST_VAR", "value-1", 1);
  BOOST_TEST(process_env("LATCHKEY_CONFIG_TEST_VAR").value_or("<none>") == "value-1");
  ::unsetenv("LATCHKEY_CONFIG_TEST_VAR");
  BOOST_TEST(!process_env("LATCHKEY_CONFIG_TEST_VAR").has_value());
}

BOOST_AUTO_TEST_CASE(upstream_urls_split_into_parts) {
  const struct {
    std::string url;
    std::string scheme;
    std::string host;
    int port;
    std::string base_path;
  } cases[] = {
      {"http://backend", "http", "backend", 80, ""},
      {"http://backend/", "http", "backend", 80, ""},
      {"HTTP://Back-End.Example:8443/api/v1/", "http", "back-end.example", 8443, "/api/v1"},
      {"http://my_service:3000/x", "http", "my_service", 3000, "/x"},
      {"http://[2001:db8::1]:9000/", "http", "2001:db8::1", 9000, ""},
      {"http://10.1.2.3:65535/a%20b", "http", "10.1.2.3", 65535, "/a%20b"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.url) {
      const Config config =
          parse(kHead + "routes: [{name: app, upstream: {url: \"" + c.url + "\"}}]\n");
      const Upstream& upstream = config.routes.at(0).upstream;
      BOOST_TEST(upstream.url == c.url);
      BOOST_TEST(upstream.scheme == c.scheme);
      BOOST_TEST(upstream.host == c.host);
      BOOST_TEST(upstream.port == c.port);
      BOOST_TEST(upstream.base_path == c.base_path);
    }
  }
}

BOOST_AUTO_TEST_CASE(https_upstream_urls_parse_with_port_443_by_default) {
  const struct {
    std::string url;
    std::string host;
    int port;
  } cases[] = {
      {"https://backend", "backend", 443},
      {"HTTPS://Back-End.Example:8443/api/v1/", "back-end.example", 8443},
      {"https://[::1]", "::1", 443},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.url) {
      std::string why;
      const auto upstream = detail::parse_upstream_url(c.url, c.url, why);
      BOOST_TEST_REQUIRE(upstream.has_value());
      BOOST_TEST(upstream->scheme == "https");
      BOOST_TEST(upstream->host == c.host);
      BOOST_TEST(upstream->port == c.port);
    }
  }
}

BOOST_AUTO_TEST_CASE(plain_path_prefixes_are_accepted) {
  for (const std::string prefix :
       {"/", "/api", "/api/", "/a.b/", "/.well-known/", "/a/..b/", "/~user/", "/a-b_c/x.y"}) {
    BOOST_TEST_CONTEXT(prefix) {
      const Config config = parse(kHead + "routes: [{name: app, match: {path_prefix: \"" + prefix +
                                  "\"}, upstream: {url: \"http://x\"}}]\n");
      BOOST_TEST(config.routes.at(0).path_prefix == prefix);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_ignore_case_prefix_is_stored_lower_cased) {
  const Config config =
      parse(kHead + "routes: [{name: app, match: {path_prefix: /Admin/Panel, ignore_case: true}, "
                    "upstream: {url: \"http://x\"}}]\n");
  BOOST_TEST(config.routes.at(0).path_ignore_case);
  BOOST_TEST(config.routes.at(0).path_prefix == "/admin/panel");
}

BOOST_AUTO_TEST_CASE(match_hosts_are_normalized) {
  const struct {
    std::string written;
    std::string stored;
  } cases[] = {
      {"Example.COM", "example.com"},
      {"10.0.0.1", "10.0.0.1"},
      {"[::1]", "[::1]"},
      {"0:0::1", "[::1]"},
      {"git_server.lan", "git_server.lan"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.written) {
      const Config config = parse(kHead + "routes: [{name: app, match: {host: \"" + c.written +
                                  "\"}, upstream: {url: \"http://x\"}}]\n");
      BOOST_TEST(config.routes.at(0).host.value_or("<none>") == c.stored);
    }
  }
}

BOOST_AUTO_TEST_CASE(same_prefix_on_different_hosts_is_allowed) {
  const Config config = parse(kHead + R"(routes:
  - { name: a, match: { host: a.example }, upstream: { url: "http://x" } }
  - { name: b, match: { host: b.example }, upstream: { url: "http://x" } }
  - { name: c, upstream: { url: "http://x" } }
  - { name: d, match: { path_prefix: /d/ }, upstream: { url: "http://x" } }
)");
  BOOST_TEST(config.routes.size() == 4u);
}

BOOST_AUTO_TEST_CASE(reports_the_style_guide_example_exactly) {
  const std::string yaml = kHead + R"(# line 4
routes:
  - name: first
    match: { path_prefix: /one/ }
    upstream:
      url: http://127.0.0.1:9000
    auth: none
  - name: second
    match: { path_prefix: /two/ }
    upstream:
      url: "htp://x"
)";
  BOOST_TEST(problems_of(yaml) ==
                 std::vector<std::string>{
                     R"(routes[1].upstream.url: "htp://x" is not an http(s) URL (line 14))"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(collects_every_problem_in_file_order_in_one_error) {
  const std::string yaml = R"(listen:
  - address: localhost:80
database:
  url: ""
  pool_size: 0
secrets: { pepper: "${PEPPER}", totp_key: "${TOTP_KEY}" }
server: { threads: many }
routes:
  - name: app
    upstream: { url: "ftp://files" }
)";
  const std::vector<std::string> expected = {
      R"(listen[0].address: "localhost:80" is not an IP address and port, like 0.0.0.0:8443 or [::1]:8443 (line 2))",
      "database.url: must not be empty (line 4)",
      "database.pool_size: 0 is out of range 1..1000 (line 5)",
      R"(server.threads: "many" is not a whole number (line 7))",
      R"(routes[0].upstream.url: "ftp://files" is not an http(s) URL (line 10))",
  };
  try {
    parse(yaml);
    BOOST_FAIL("accepted an invalid config");
  } catch (const ConfigError& e) {
    BOOST_TEST(e.problems() == expected, boost::test_tools::per_element());
    std::string joined;
    for (const auto& line : expected) joined += (joined.empty() ? "" : "\n") + line;
    BOOST_TEST(std::string(e.what()) == joined);
  }
}

BOOST_AUTO_TEST_CASE(config_error_joins_problems_with_newlines) {
  const ConfigError error({"a: one (line 1)", "b: two (line 2)"});
  BOOST_TEST(std::string(error.what()) == "a: one (line 1)\nb: two (line 2)");
  BOOST_TEST(error.problems().size() == 2u);
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_name_the_line) {
  const std::string yaml = kHead + "routes:\n  - name: app\n    upstream: {url: \"http://x\"\n";
  try {
    parse(yaml);
    BOOST_FAIL("accepted broken YAML");
  } catch (const ConfigError& e) {
    BOOST_TEST_REQUIRE(e.problems().size() == 1u);
    const std::string& problem = e.problems()[0];
    BOOST_TEST(problem.starts_with("test.yaml: invalid YAML: "));
    BOOST_TEST(problem.ends_with(" (line 7)"), problem);
  }
}

BOOST_AUTO_TEST_CASE(tabs_in_indentation_are_a_syntax_error) {
  try {
    parse("listen:\n\t- address: 127.0.0.1:80\n");
    BOOST_FAIL("accepted broken YAML");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).starts_with("test.yaml: invalid YAML: "));
    BOOST_TEST(std::string(e.what()).ends_with("(line 2)"), e.what());
  }
}

BOOST_AUTO_TEST_CASE(an_empty_document_is_an_error) {
  for (const std::string yaml : {"", "# only a comment\n", "~\n"}) {
    BOOST_TEST(
        problems_of(yaml) == std::vector<std::string>{"test.yaml: the configuration is empty"},
        boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_SUITE_END()

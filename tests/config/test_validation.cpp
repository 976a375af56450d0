// Every validation rule: a YAML text and the exact problem it must produce, path and line
// included. Each case must produce exactly that one problem, so fixtures hide no other error.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/config/config_test_support.hpp"

using namespace latchkey::config::test;

namespace {

struct Case {
  std::string name;
  std::string yaml;
  std::vector<std::string> expected;
};

const std::string kListen = "listen: [{address: \"127.0.0.1:8080\"}]\n";
const std::string kDatabase = "database: {url: \"postgres://db/latchkey\"}\n";
const std::string kSecrets = "secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\"}\n";

// Lines 2-4 after a one-line listen section.
std::string listen_then_rest(const std::string& listen) {
  return listen + kDatabase + kSecrets + kRoutes;
}
// `database` on line 2.
std::string with_database(const std::string& database) {
  return kListen + database + kSecrets + kRoutes;
}
// `secrets` on line 3.
std::string with_secrets(const std::string& secrets) {
  return kListen + kDatabase + secrets + kRoutes;
}
// An extra top-level section on line 5.
std::string with_section(const std::string& section) {
  return kHead + kRoutes + section;
}
// Extra keys of routes[0] from line 7, indented four spaces.
std::string route_with(const std::string& lines) {
  return kHead + "routes:\n  - name: app\n    upstream: {url: \"http://127.0.0.1:9000\"}\n" + lines;
}
// Keys of routes[0].upstream from line 7, indented six spaces.
std::string upstream_with(const std::string& lines) {
  return kHead + "routes:\n  - name: app\n    upstream:\n" + lines;
}
// routes[0].upstream.url on line 5.
std::string upstream_url(const std::string& url) {
  return kHead + "routes:\n  - upstream: {url: \"" + url + "\"}\n    name: app\n";
}

// How a path_prefix that is not in the form requests are matched on is refused.
const std::string kNotPlainPath =
    R"( must be a plain path: no "//", "%", ";", "?", "#", "\", dot-segments, spaces or control )"
    "characters, as requests are matched on their decoded, merged path";
// How an identity header that latchkey itself writes or strips is refused.
const std::string kForwardingHeader =
    " is a forwarding header that latchkey sets or strips itself and cannot carry an identity";

const std::vector<Case> kCases = {
    // Structure and unknown keys.
    {"unknown top-level key",
     with_section("lisen: []\n"),
     {"lisen: unknown key; expected one of listen, admin, database, secrets, server, cache, "
      "brute_force, routes, oauth, self_service, audit (line 5)"}},
    {"unknown nested key",
     upstream_with("      url: http://x\n      urll: http://y\n"),
     {"routes[0].upstream.urll: unknown key; expected one of url, ca_file, "
      "tls_insecure_skip_verify, client_cert_file, client_key_file, connect_timeout, "
      "response_timeout, idle_timeout, max_idle_connections (line 8)"}},
    {"unknown listener key",
     listen_then_rest("listen: [{address: \"127.0.0.1:8080\", tsl: {}}]\n"),
     {"listen[0].tsl: unknown key; expected one of address, tls (line 1)"}},
    {"unknown secrets key",
     with_secrets("secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\", pepper_fil: x}\n"),
     {"secrets.pepper_fil: unknown key; expected one of pepper_file, pepper, totp_key_file, "
      "totp_key (line 3)"}},
    {"key given twice",
     with_section("database: {url: y}\n"),
     {"database: is given twice, first on line 2 (line 5)"}},
    {"root is not a map",
     "- listen\n- routes\n",
     {"test.yaml: expected a map, got a list (line 1)"}},
    {"section is not a map",
     with_database("database: postgres://db\n"),
     {"database: expected a map, got a single value (line 2)"}},
    {"listen is not a list",
     listen_then_rest("listen: {address: \"127.0.0.1:8080\"}\n"),
     {"listen: expected a list, got a map (line 1)"}},
    {"key without a value",
     with_section("server:\n  threads:\n"),
     {"server.threads: has no value (line 6)"}},
    {"scalar expected, map given",
     with_section("server: {threads: {n: 1}}\n"),
     {"server.threads: expected a single value, got a map (line 5)"}},

    // Listeners.
    {"no listen section",
     kDatabase + kSecrets + kRoutes,
     {"listen: at least one listener is required (line 1)"}},
    {"empty listen list",
     listen_then_rest("listen: []\n"),
     {"listen: at least one listener is required (line 1)"}},
    {"listener without address",
     listen_then_rest("listen: [{}]\n"),
     {"listen[0].address: is required (line 1)"}},
    {"listener host name",
     listen_then_rest("listen: [{address: \"localhost:8080\"}]\n"),
     {R"(listen[0].address: "localhost:8080" is not an IP address and port, like 0.0.0.0:8443 or [::1]:8443 (line 1))"}},
    {"listener without port",
     listen_then_rest("listen: [{address: \"127.0.0.1\"}]\n"),
     {R"(listen[0].address: "127.0.0.1" needs a port, like 0.0.0.0:8443 or [::1]:8443 (line 1))"}},
    {"listener port 0",
     listen_then_rest("listen: [{address: \"127.0.0.1:0\"}]\n"),
     {R"(listen[0].address: "127.0.0.1:0" has an invalid port; expected 1..65535 (line 1))"}},
    {"listener port 65536",
     listen_then_rest("listen: [{address: \"0.0.0.0:65536\"}]\n"),
     {R"(listen[0].address: "0.0.0.0:65536" has an invalid port; expected 1..65535 (line 1))"}},
    {"listener port not a number",
     listen_then_rest("listen: [{address: \"[::]:http\"}]\n"),
     {R"(listen[0].address: "[::]:http" has an invalid port; expected 1..65535 (line 1))"}},
    {"listener IPv6 without brackets",
     listen_then_rest("listen: [{address: \"::1:8080\"}]\n"),
     {R"(listen[0].address: "::1:8080" has an IPv6 address without brackets, like 0.0.0.0:8443 or [::1]:8443 (line 1))"}},
    {"listener bad IPv6",
     listen_then_rest("listen: [{address: \"[::g]:8080\"}]\n"),
     {R"(listen[0].address: "[::g]:8080" is not an IP address and port, like 0.0.0.0:8443 or [::1]:8443 (line 1))"}},
    {"duplicate listener",
     listen_then_rest("listen:\n  - address: 127.0.0.1:8080\n  - address: \"[::1]:8080\"\n"
                      "  - address: \"[0:0::1]:8080\"\n"),
     {"listen[2].address: duplicates listen[1].address (line 4)"}},
    {"tls without key_file",
     listen_then_rest("listen: [{address: \"127.0.0.1:8443\", tls: {cert_file: a.crt}}]\n"),
     {"listen[0].tls.key_file: is required (line 1)",
      R"(listen[0].tls.cert_file: cannot read "/etc/latchkey/a.crt": No such file or directory (line 1))"}},
    {"tls with empty cert_file",
     listen_then_rest(
         "listen: [{address: \"127.0.0.1:8443\", tls: {cert_file: \"\", key_file: a.key}}]\n"),
     {"listen[0].tls.cert_file: must not be empty (line 1)",
      R"(listen[0].tls.key_file: cannot read "/etc/latchkey/a.key": No such file or directory (line 1))"}},
    // Files are read at load (relative to the config's directory); tests/config/test_tls_config
    // covers files that exist.
    {"tls listener with missing files",
     listen_then_rest(
         "listen: [{address: \"127.0.0.1:8443\", tls: {cert_file: a.crt, key_file: a.key}}]\n"),
     {R"(listen[0].tls.cert_file: cannot read "/etc/latchkey/a.crt": No such file or directory (line 1))",
      R"(listen[0].tls.key_file: cannot read "/etc/latchkey/a.key": No such file or directory (line 1))"}},
    {"tls listener in block style names each file's line",
     kDatabase + kSecrets + kRoutes +
         "listen:\n  - address: 127.0.0.1:8080\n  - address: 127.0.0.1:8443\n    tls:\n"
         "      cert_file: /nonexistent/a.crt\n      key_file: /nonexistent/a.key\n",
     {R"(listen[1].tls.cert_file: cannot read "/nonexistent/a.crt": No such file or directory (line 8))",
      R"(listen[1].tls.key_file: cannot read "/nonexistent/a.key": No such file or directory (line 9))"}},
    {"admin on a listener address",
     with_section("admin: {address: \"127.0.0.1:8080\"}\n"),
     {"admin.address: duplicates listen[0].address (line 5)"}},
    {"admin without port",
     with_section("admin: {address: \"127.0.0.1\"}\n"),
     {R"(admin.address: "127.0.0.1" needs a port, like 0.0.0.0:8443 or [::1]:8443 (line 5))"}},
    {"admin without address", with_section("admin: {}\n"), {"admin.address: is required (line 5)"}},

    // Database.
    {"no database section", kListen + kSecrets + kRoutes, {"database: is required (line 1)"}},
    {"database without url",
     with_database("database: {pool_size: 4}\n"),
     {"database.url: is required (line 2)"}},
    {"database url empty",
     with_database("database: {url: \"\"}\n"),
     {"database.url: must not be empty (line 2)"}},
    {"pool_size 0",
     with_database("database: {url: x, pool_size: 0}\n"),
     {"database.pool_size: 0 is out of range 1..1000 (line 2)"}},
    {"pool_size 1001",
     with_database("database: {url: x, pool_size: 1001}\n"),
     {"database.pool_size: 1001 is out of range 1..1000 (line 2)"}},
    {"pool_size not a number",
     with_database("database: {url: x, pool_size: 8.5}\n"),
     {R"(database.pool_size: "8.5" is not a whole number (line 2))"}},
    {"migrate_on_start yes",
     with_database("database: {url: x, migrate_on_start: yes}\n"),
     {R"(database.migrate_on_start: "yes" is not true or false (line 2))"}},

    // Environment references.
    {"undefined variable",
     with_database("database: {url: \"postgres://${DB_HOST}/x\"}\n"),
     {"database.url: environment variable DB_HOST is not set (line 2)"}},
    {"unterminated reference",
     with_database("database: {url: \"${DB_URL\"}\n"),
     {"database.url: has a malformed ${...} reference; write ${NAME} with letters, digits and "
      "'_' (line 2)"}},
    {"invalid variable name",
     with_database("database: {url: \"${1DB}\"}\n"),
     {"database.url: has a malformed ${...} reference; write ${NAME} with letters, digits and "
      "'_' (line 2)"}},

    // Server and cache.
    {"threads too many",
     with_section("server: {threads: 1025}\n"),
     {"server.threads: 1025 is out of range 0..1024 (line 5)"}},
    {"threads negative",
     with_section("server: {threads: -1}\n"),
     {"server.threads: -1 is out of range 0..1024 (line 5)"}},
    {"duration without unit",
     with_section("server: {header_timeout: 10}\n"),
     {R"(server.header_timeout: "10" needs a unit: ms, s, m or h (line 5))"}},
    {"duration above 24h",
     with_section("server: {idle_timeout: 25h}\n"),
     {R"(server.idle_timeout: "25h" is longer than the maximum of 24h (line 5))"}},
    {"zero timeout",
     with_section("server: {body_timeout: 0s}\n"),
     {R"(server.body_timeout: "0s" must be greater than 0 (line 5))"}},
    {"fractional duration",
     with_section("server: {header_timeout: 1.5s}\n"),
     {R"(server.header_timeout: "1.5s" is not a duration: use a whole number and ms, s, m or h, like 250ms or 5s (line 5))"}},
    {"max_header_bytes too small",
     with_section("server: {max_header_bytes: 100}\n"),
     {"server.max_header_bytes: 100 is out of range 1024..1048576 (line 5)"}},
    {"verify_workers 0",
     with_section("server: {verify_workers: 0}\n"),
     {"server.verify_workers: 0 is out of range 1..1024 (line 5)"}},
    {"verify_queue 0",
     with_section("server: {verify_queue: 0}\n"),
     {"server.verify_queue: 0 is out of range 1..1000000 (line 5)"}},
    {"negative ttl",
     with_section("cache: {ttl: -1s}\n"),
     {R"(cache.ttl: "-1s" is not a duration: use a whole number and ms, s, m or h, like 250ms or 5s (line 5))"}},
    {"ttl in days",
     with_section("cache: {ttl: 2d}\n"),
     {R"(cache.ttl: "2d" is not a duration: use a whole number and ms, s, m or h, like 250ms or 5s (line 5))"}},
    {"over_budget_delay above 10s",
     with_section("brute_force: {over_budget_delay: 11s}\n"),
     {R"(brute_force.over_budget_delay: "11s" is longer than the maximum of 10s (line 5))"}},
    {"over_budget_delay without unit",
     with_section("brute_force: {over_budget_delay: 1}\n"),
     {R"(brute_force.over_budget_delay: "1" needs a unit: ms, s, m or h (line 5))"}},
    {"ttl above 1h",
     with_section("cache: {ttl: 61m}\n"),
     {R"(cache.ttl: "61m" is longer than the maximum of 1h; a long ttl delays revocation when the credential change notification cannot be delivered (line 5))"}},
    {"ttl one millisecond above 1h",
     with_section("cache: {ttl: 3600001ms}\n"),
     {R"(cache.ttl: "3600001ms" is longer than the maximum of 1h; a long ttl delays revocation when the credential change notification cannot be delivered (line 5))"}},
    {"ttl above 24h names the 1h limit",
     with_section("cache: {ttl: 25h}\n"),
     {R"(cache.ttl: "25h" is longer than the maximum of 1h; a long ttl delays revocation when the credential change notification cannot be delivered (line 5))"}},
    {"ttl without unit",
     with_section("cache: {ttl: 5}\n"),
     {R"(cache.ttl: "5" needs a unit: ms, s, m or h (line 5))"}},
    {"max_entries negative",
     with_section("cache: {max_entries: -5}\n"),
     {"cache.max_entries: -5 is out of range 0..100000000 (line 5)"}},
    {"ttl_unsynced above 1h",
     with_section("cache: {ttl_unsynced: 2h}\n"),
     {R"(cache.ttl_unsynced: "2h" is longer than the maximum of 1h; a long ttl delays revocation when the credential change notification cannot be delivered (line 5))"}},
    {"ttl_unsynced without unit",
     with_section("cache: {ttl_unsynced: 500}\n"),
     {R"(cache.ttl_unsynced: "500" needs a unit: ms, s, m or h (line 5))"}},
    {"cache unknown key",
     with_section("cache: {ttl_unsync: 1s}\n"),
     {"cache.ttl_unsync: unknown key; expected one of ttl, max_entries, ttl_unsynced (line 5)"}},

    // Brute force.
    {"brute_force unknown key",
     with_section("brute_force: {lock_afterr: 5}\n"),
     {"brute_force.lock_afterr: unknown key; expected one of per_address, per_account, "
      "lock_after, lock_duration, lock_duration_max, over_budget_delay (line 5)"}},
    {"brute_force is not a map",
     with_section("brute_force: 10\n"),
     {"brute_force: expected a map, got a single value (line 5)"}},
    {"budget unknown key",
     with_section("brute_force:\n  per_account: {burst: 5, rate: 6}\n"),
     {"brute_force.per_account.rate: unknown key; expected one of burst, per_minute (line 6)"}},
    {"budget is not a map",
     with_section("brute_force: {per_address: 30}\n"),
     {"brute_force.per_address: expected a map, got a single value (line 5)"}},
    {"burst 0",
     with_section("brute_force: {per_address: {burst: 0}}\n"),
     {"brute_force.per_address.burst: 0 is out of range 1..100000 (line 5)"}},
    {"burst above 100000",
     with_section("brute_force: {per_account: {burst: 100001}}\n"),
     {"brute_force.per_account.burst: 100001 is out of range 1..100000 (line 5)"}},
    {"burst fractional",
     with_section("brute_force: {per_account: {burst: 2.5}}\n"),
     {R"(brute_force.per_account.burst: "2.5" is not a whole number (line 5))"}},
    {"per_minute 0",
     with_section("brute_force: {per_address: {per_minute: 0}}\n"),
     {R"(brute_force.per_address.per_minute: "0" must be greater than 0 (line 5))"}},
    {"per_minute negative",
     with_section("brute_force: {per_account: {per_minute: -1}}\n"),
     {R"(brute_force.per_account.per_minute: "-1" must be greater than 0 (line 5))"}},
    {"per_minute above 1e6",
     with_section("brute_force: {per_address: {per_minute: 1000000.5}}\n"),
     {R"(brute_force.per_address.per_minute: "1000000.5" is more than the maximum of 1000000 (line 5))"}},
    {"per_minute in exponent form above 1e6",
     with_section("brute_force: {per_address: {per_minute: 2e6}}\n"),
     {R"(brute_force.per_address.per_minute: "2e6" is more than the maximum of 1000000 (line 5))"}},
    {"per_minute not a number",
     with_section("brute_force: {per_account: {per_minute: six}}\n"),
     {R"(brute_force.per_account.per_minute: "six" is not a number (line 5))"}},
    {"per_minute infinite",
     with_section("brute_force: {per_account: {per_minute: inf}}\n"),
     {R"(brute_force.per_account.per_minute: "inf" is not a number (line 5))"}},
    {"per_minute nan",
     with_section("brute_force: {per_account: {per_minute: nan}}\n"),
     {R"(brute_force.per_account.per_minute: "nan" is not a number (line 5))"}},
    {"per_minute with a unit",
     with_section("brute_force: {per_account: {per_minute: 6/m}}\n"),
     {R"(brute_force.per_account.per_minute: "6/m" is not a number (line 5))"}},
    {"per_minute without a value",
     with_section("brute_force:\n  per_account:\n    per_minute:\n"),
     {"brute_force.per_account.per_minute: has no value (line 7)"}},
    {"lock_after 0",
     with_section("brute_force: {lock_after: 0}\n"),
     {"brute_force.lock_after: 0 is out of range 1..100; NIST SP 800-63B (5.2.2) allows at most "
      "100 consecutive failed attempts on an account (line 5)"}},
    {"lock_after above NIST's 100",
     with_section("brute_force: {lock_after: 101}\n"),
     {"brute_force.lock_after: 101 is out of range 1..100; NIST SP 800-63B (5.2.2) allows at most "
      "100 consecutive failed attempts on an account (line 5)"}},
    {"lock_duration 0",
     with_section("brute_force: {lock_duration: 0s}\n"),
     {R"(brute_force.lock_duration: "0s" must be greater than 0 (line 5))"}},
    {"lock_duration_max above 24h",
     with_section("brute_force: {lock_duration_max: 25h}\n"),
     {R"(brute_force.lock_duration_max: "25h" is longer than the maximum of 24h (line 5))"}},
    {"lock_duration without unit",
     with_section("brute_force: {lock_duration: 60}\n"),
     {R"(brute_force.lock_duration: "60" needs a unit: ms, s, m or h (line 5))"}},
    {"lock_duration above lock_duration_max",
     with_section("brute_force:\n  lock_duration: 10m\n  lock_duration_max: 5m\n"),
     {R"(brute_force.lock_duration_max: "5m" is shorter than brute_force.lock_duration "10m" (line 7))"}},
    {"lock_duration_max below the default lock_duration",
     with_section("brute_force: {lock_duration_max: 30s}\n"),
     {R"(brute_force.lock_duration_max: "30s" is shorter than brute_force.lock_duration, 1m unless set (line 5))"}},
    {"lock_duration above the default lock_duration_max",
     with_section("brute_force: {lock_duration: 2h}\n"),
     {R"(brute_force.lock_duration: "2h" is longer than brute_force.lock_duration_max, 1h unless set (line 5))"}},
    {"a bad lock_duration is reported once",
     with_section("brute_force: {lock_duration: 25h, lock_duration_max: 1h}\n"),
     {R"(brute_force.lock_duration: "25h" is longer than the maximum of 24h (line 5))"}},

    // Secrets.
    {"no secrets section", kListen + kDatabase + kRoutes, {"secrets: is required (line 1)"}},
    {"no pepper",
     with_secrets("secrets: {totp_key: \"${TOTP_KEY}\"}\n"),
     {"secrets: one of pepper_file or pepper is required (line 3)"}},
    {"no totp key",
     with_secrets("secrets: {pepper: \"${PEPPER}\"}\n"),
     {"secrets: one of totp_key_file or totp_key is required (line 3)"}},
    {"pepper twice",
     with_secrets("secrets:\n  pepper_file: pepper\n  pepper: \"${PEPPER}\"\n  totp_key: "
                  "\"${TOTP_KEY}\"\n"),
     {"secrets.pepper: conflicts with secrets.pepper_file; give exactly one of them (line 5)"}},
    {"totp key twice",
     with_secrets("secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\", totp_key_file: "
                  "k}\n"),
     {"secrets.totp_key: conflicts with secrets.totp_key_file; give exactly one of them (line "
      "3)"}},
    {"pepper from undefined variable",
     with_secrets("secrets: {pepper: \"${NO_PEPPER}\", totp_key: \"${TOTP_KEY}\"}\n"),
     {"secrets.pepper: environment variable NO_PEPPER is not set (line 3)"}},
    {"pepper too short",
     with_secrets("secrets: {pepper: \"0123456789012345678901234567890\", totp_key: "
                  "\"${TOTP_KEY}\"}\n"),
     {"secrets.pepper: the pepper must be at least 32 bytes long (line 3)"}},
    {"pepper short once trailing space is trimmed",
     with_secrets("secrets: {pepper: \"0123456789012345678901234567890  \\n\", totp_key: "
                  "\"${TOTP_KEY}\"}\n"),
     {"secrets.pepper: the pepper must be at least 32 bytes long (line 3)"}},
    {"totp key of 63 hex characters",
     with_secrets("secrets: {pepper: \"${PEPPER}\", totp_key: \"" + kTotpHex.substr(1) + "\"}\n"),
     {"secrets.totp_key: the TOTP key must be 64 hex characters or exactly 32 bytes (line 3)"}},
    {"totp key of 64 characters that are not hex",
     with_secrets("secrets: {pepper: \"${PEPPER}\", totp_key: \"" + std::string(64, 'g') + "\"}\n"),
     {"secrets.totp_key: the TOTP key must be 64 hex characters or exactly 32 bytes (line 3)"}},
    {"totp key of 33 bytes",
     with_secrets("secrets: {pepper: \"${PEPPER}\", totp_key: \"" + std::string(33, 'k') + "\"}\n"),
     {"secrets.totp_key: the TOTP key must be 64 hex characters or exactly 32 bytes (line 3)"}},

    // Routes: list, names and matching.
    {"no routes section", kHead, {"routes: at least one route is required (line 1)"}},
    {"empty routes list",
     kHead + "routes: []\n",
     {"routes: at least one route is required (line 4)"}},
    {"route without name",
     kHead + "routes:\n  - upstream: {url: \"http://x\"}\n",
     {"routes[0].name: is required (line 5)"}},
    {"route name with a space",
     kHead + "routes:\n  - name: my app\n    upstream: {url: http://x}\n",
     {R"(routes[0].name: "my app" must be 1 to 64 letters, digits, '_', '.' or '-' (line 5))"}},
    {"route name too long",
     kHead + "routes:\n  - name: " + std::string(65, 'n') + "\n    upstream: {url: http://x}\n",
     {"routes[0].name: \"" + std::string(65, 'n') +
      "\" must be 1 to 64 letters, digits, '_', '.' or '-' (line 5)"}},
    {"route name empty",
     kHead + "routes:\n  - name: \"\"\n    upstream: {url: http://x}\n",
     {R"(routes[0].name: "" must be 1 to 64 letters, digits, '_', '.' or '-' (line 5))"}},
    {"duplicate route name",
     kHead + "routes:\n"
             "  - { name: app, match: { path_prefix: /a/ }, upstream: { url: \"http://x\" } }\n"
             "  - { name: app, match: { path_prefix: /b/ }, upstream: { url: \"http://x\" } }\n",
     {R"(routes[1].name: "app" is already the name of routes[0] (line 6))"}},
    {"path_prefix without slash",
     route_with("    match: {path_prefix: api}\n"),
     {R"(routes[0].match.path_prefix: "api" must start with '/' (line 7))"}},
    {"path_prefix with query",
     route_with("    match: {path_prefix: \"/a?b\"}\n"),
     {R"(routes[0].match.path_prefix: "/a?b")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with a double slash",
     kHead + "routes:\n"
             "  - { name: a, upstream: { url: \"http://x\" } }\n"
             "  - name: b\n"
             "    upstream: { url: \"http://x\" }\n"
             "    match:\n"
             "      path_prefix: /a//b\n",
     {R"(routes[1].match.path_prefix: "/a//b")" + kNotPlainPath + " (line 9)"}},
    {"path_prefix starting with a double slash",
     route_with("    match: {path_prefix: //admin}\n"),
     {R"(routes[0].match.path_prefix: "//admin")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix percent-encoded",
     route_with("    match: {path_prefix: /%61dmin/}\n"),
     {R"(routes[0].match.path_prefix: "/%61dmin/")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with an encoded slash",
     route_with("    match: {path_prefix: /a%2Fb}\n"),
     {R"(routes[0].match.path_prefix: "/a%2Fb")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with path parameters",
     route_with("    match: {path_prefix: \"/app;jsessionid=1/\"}\n"),
     {R"(routes[0].match.path_prefix: "/app;jsessionid=1/")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with a dot segment",
     route_with("    match: {path_prefix: /a/./b}\n"),
     {R"(routes[0].match.path_prefix: "/a/./b")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with a dot-dot segment",
     route_with("    match: {path_prefix: /a/../admin/}\n"),
     {R"(routes[0].match.path_prefix: "/a/../admin/")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix ending in a dot-dot segment",
     route_with("    match: {path_prefix: /a/..}\n"),
     {R"(routes[0].match.path_prefix: "/a/..")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with a backslash",
     route_with("    match: {path_prefix: '/a\\b'}\n"),
     {R"(routes[0].match.path_prefix: "/a\\b")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with a fragment",
     route_with("    match: {path_prefix: \"/a#b\"}\n"),
     {R"(routes[0].match.path_prefix: "/a#b")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with a space",
     route_with("    match: {path_prefix: \"/my app/\"}\n"),
     {R"(routes[0].match.path_prefix: "/my app/")" + kNotPlainPath + " (line 7)"}},
    {"path_prefix with a control character",
     route_with("    match: {path_prefix: \"/a\\tb\"}\n"),
     {R"(routes[0].match.path_prefix: "/a\x09b")" + kNotPlainPath + " (line 7)"}},
    {"host with scheme",
     route_with("    match: {host: \"https://x.example\"}\n"),
     {R"(routes[0].match.host: "https://x.example" must be a host name without scheme or path (line 7))"}},
    {"host with port",
     route_with("    match: {host: \"x.example:8080\"}\n"),
     {R"(routes[0].match.host: "x.example:8080" must not include a port (line 7))"}},
    {"bracketed host with port",
     route_with("    match: {host: \"[::1]:8080\"}\n"),
     {R"(routes[0].match.host: "[::1]:8080" must not include a port (line 7))"}},
    {"host with empty label",
     route_with("    match: {host: a..example}\n"),
     {R"(routes[0].match.host: "a..example" is not a valid host name or IP address (line 7))"}},
    {"host label starting with a dash",
     route_with("    match: {host: -a.example}\n"),
     {R"(routes[0].match.host: "-a.example" is not a valid host name or IP address (line 7))"}},
    {"wildcard host",
     route_with("    match: {host: \"*.example\"}\n"),
     {R"(routes[0].match.host: "*.example" is not a valid host name or IP address (line 7))"}},
    {"host that is a bad IPv4 address",
     route_with("    match: {host: 300.1.1.1}\n"),
     {R"(routes[0].match.host: "300.1.1.1" is not a valid host name or IP address (line 7))"}},
    {"empty host",
     route_with("    match: {host: \"\"}\n"),
     {"routes[0].match.host: must not be empty; leave it out to match any host (line 7)"}},
    {"duplicate host and prefix",
     kHead + "routes:\n"
             "  - { name: a, match: { host: X.example, path_prefix: /p/ }, upstream: { url: "
             "\"http://x\" } }\n"
             "  - { name: b, match: { host: x.example, path_prefix: /p/ }, upstream: { url: "
             "\"http://x\" } }\n",
     {"routes[1].match: has the same host and path_prefix as routes[0] (line 6)"}},
    {"duplicate prefix once case is ignored",
     kHead + "routes:\n"
             "  - { name: a, match: { path_prefix: /admin }, upstream: { url: \"http://x\" } }\n"
             "  - { name: b, match: { path_prefix: /Admin, ignore_case: true }, upstream: { url: "
             "\"http://x\" } }\n",
     {"routes[1].match: has the same host and path_prefix as routes[0] (line 6)"}},
    {"ignore_case not a boolean",
     route_with("    match: {path_prefix: /admin, ignore_case: sometimes}\n"),
     {R"(routes[0].match.ignore_case: "sometimes" is not true or false (line 7))"}},
    {"two catch-all routes",
     kHead + "routes:\n"
             "  - { name: a, upstream: { url: \"http://x\" } }\n"
             "  - { name: b, upstream: { url: \"http://y\" } }\n",
     {"routes[1]: has the same host and path_prefix as routes[0] (line 6)"}},

    // Upstreams.
    {"route without upstream",
     kHead + "routes:\n  - name: app\n",
     {"routes[0].upstream: is required (line 5)"}},
    {"upstream without url",
     upstream_with("      connect_timeout: 1s\n"),
     {"routes[0].upstream.url: is required (line 7)"}},
    {"misspelt scheme",
     upstream_url("htp://x"),
     {R"(routes[0].upstream.url: "htp://x" is not an http(s) URL (line 5))"}},
    {"no scheme",
     upstream_url("backend:8080"),
     {R"(routes[0].upstream.url: "backend:8080" is not an http(s) URL (line 5))"}},
    {"no host",
     upstream_url("http://"),
     {R"(routes[0].upstream.url: "http://" has no host (line 5))"}},
    {"no host before path",
     upstream_url("http:///api"),
     {R"(routes[0].upstream.url: "http:///api" has no host (line 5))"}},
    {"no host before port",
     upstream_url("http://:8080"),
     {R"(routes[0].upstream.url: "http://:8080" has no host (line 5))"}},
    {"query",
     upstream_url("http://x/api?key=1"),
     {R"(routes[0].upstream.url: "http://x/api?key=1" must not have a query or fragment (line 5))"}},
    {"fragment",
     upstream_url("http://x/#top"),
     {R"(routes[0].upstream.url: "http://x/#top" must not have a query or fragment (line 5))"}},
    {"user information",
     upstream_url("http://alice:hunter2@x/"),
     {"routes[0].upstream.url: must not contain user information (user:password@); credentials "
      "are not forwarded (line 5)"}},
    {"upstream port 0",
     upstream_url("http://x:0"),
     {R"(routes[0].upstream.url: "http://x:0" has an invalid port; expected 1..65535 (line 5))"}},
    {"upstream port too big",
     upstream_url("http://x:99999/"),
     {R"(routes[0].upstream.url: "http://x:99999/" has an invalid port; expected 1..65535 (line 5))"}},
    {"upstream empty port",
     upstream_url("http://x:"),
     {R"(routes[0].upstream.url: "http://x:" has an invalid port; expected 1..65535 (line 5))"}},
    {"upstream invalid host",
     upstream_url("http://bad!host/"),
     {R"(routes[0].upstream.url: "http://bad!host/" has an invalid host (line 5))"}},
    {"upstream invalid IPv6",
     upstream_url("http://[::g]:80/"),
     {R"(routes[0].upstream.url: "http://[::g]:80/" has an invalid host (line 5))"}},
    {"upstream space in path",
     upstream_url("http://x/a b"),
     {R"(routes[0].upstream.url: "http://x/a b" has spaces or control characters in its path (line 5))"}},
    {"https upstream with a missing ca_file",
     upstream_with("      url: https://backend\n      ca_file: ca.pem\n"),
     {R"(routes[0].upstream.ca_file: cannot read "/etc/latchkey/ca.pem": No such file or directory (line 8))"}},
    {"ca_file with a broken url",
     upstream_with("      url: htp://x\n      ca_file: /nonexistent/ca.pem\n"),
     {R"(routes[0].upstream.url: "htp://x" is not an http(s) URL (line 7))",
      R"(routes[0].upstream.ca_file: cannot read "/nonexistent/ca.pem": No such file or directory (line 8))"}},
    {"empty ca_file",
     upstream_with("      url: https://x\n      ca_file: \"\"\n"),
     {"routes[0].upstream.ca_file: must not be empty (line 8)"}},
    {"tls_insecure_skip_verify with http",
     upstream_with("      url: http://x\n      tls_insecure_skip_verify: true\n"),
     {"routes[0].upstream.tls_insecure_skip_verify: is only allowed with an https:// upstream url "
      "(line 8)"}},
    {"tls_insecure_skip_verify not a boolean",
     upstream_with("      url: https://x\n      tls_insecure_skip_verify: yes please\n"),
     {R"(routes[0].upstream.tls_insecure_skip_verify: "yes please" is not true or false (line 8))"}},
    {"client_cert_file without client_key_file",
     upstream_with("      url: https://x\n      client_cert_file: /nonexistent/c.crt\n"),
     {"routes[0].upstream.client_cert_file: needs client_key_file as well (line 8)"}},
    {"client_key_file without client_cert_file",
     upstream_with("      url: https://x\n      client_key_file: /nonexistent/c.key\n"),
     {"routes[0].upstream.client_key_file: needs client_cert_file as well (line 8)"}},
    {"client certificate with http",
     upstream_with(
         "      url: http://x\n      client_cert_file: c.crt\n      client_key_file: c.key\n"),
     {"routes[0].upstream.client_cert_file: is only allowed with an https:// upstream url (line 8)",
      "routes[0].upstream.client_key_file: is only allowed with an https:// upstream url (line "
      "9)"}},
    {"client certificate files missing",
     upstream_with(
         "      url: https://x\n      client_cert_file: c.crt\n      client_key_file: c.key\n"),
     {R"(routes[0].upstream.client_cert_file: cannot read "/etc/latchkey/c.crt": No such file or directory (line 8))",
      R"(routes[0].upstream.client_key_file: cannot read "/etc/latchkey/c.key": No such file or directory (line 9))"}},
    {"ca_file with http",
     upstream_with("      url: http://x\n      ca_file: ca.pem\n"),
     {"routes[0].upstream.ca_file: is only allowed with an https:// upstream url (line 8)"}},
    {"connect_timeout without unit",
     upstream_with("      url: http://x\n      connect_timeout: 5\n"),
     {R"(routes[0].upstream.connect_timeout: "5" needs a unit: ms, s, m or h (line 8))"}},
    {"response_timeout 0",
     upstream_with("      url: http://x\n      response_timeout: 0ms\n"),
     {R"(routes[0].upstream.response_timeout: "0ms" must be greater than 0 (line 8))"}},
    {"idle_timeout above 24h",
     upstream_with("      url: http://x\n      idle_timeout: 1441m\n"),
     {R"(routes[0].upstream.idle_timeout: "1441m" is longer than the maximum of 24h (line 8))"}},
    {"max_idle_connections negative",
     upstream_with("      url: http://x\n      max_idle_connections: -1\n"),
     {"routes[0].upstream.max_idle_connections: -1 is out of range 0..10000 (line 8)"}},

    // Authentication policy.
    {"auth word other than none",
     route_with("    auth: nobody\n"),
     {R"(routes[0].auth: "nobody" must be none or a map with accept, account_password, realm, scopes (line 7))"}},
    {"auth as a list",
     route_with("    auth: [token]\n"),
     {"routes[0].auth: expected a map, got a list (line 7)"}},
    {"auth unknown key",
     route_with("    auth: {accept: [token], realms: x}\n"),
     {"routes[0].auth.realms: unknown key; expected one of accept, account_password, realm, scopes (line "
      "7)"}},
    {"accept empty",
     route_with("    auth: {accept: []}\n"),
     {"routes[0].auth.accept: must list at least one of app_password, token (line 7)"}},
    {"accept as a word",
     route_with("    auth: {accept: token}\n"),
     {"routes[0].auth.accept: expected a list, got a single value (line 7)"}},
    {"accept unknown kind",
     route_with("    auth:\n      accept:\n        - token\n        - password\n"),
     {R"(routes[0].auth.accept[1]: "password" is not one of app_password, token (line 10))"}},
    {"accept duplicate kind",
     route_with("    auth: {accept: [token, app_password, token]}\n"),
     {R"(routes[0].auth.accept[2]: "token" is listed twice (line 7))"}},
    {"account_password unknown",
     route_with("    auth: {account_password: maybe}\n"),
     {R"(routes[0].auth.account_password: "maybe" is not one of deny_if_totp, deny (line 7))"}},
    {"account_password allow, gone with invariant 5.1",
     route_with("    auth: {account_password: allow}\n"),
     {"routes[0].auth.account_password: allow is not offered: an account with TOTP would get in "
      "with its password alone; use deny_if_totp (accounts without TOTP may use their password) "
      "or deny (line 7)"}},
    {"realm with a quote",
     route_with("    auth: {realm: 'say \"hi\"'}\n"),
     {R"(routes[0].auth.realm: "say \"hi\"" must not contain '"', '\' or control characters (line 7))"}},
    {"realm with a tab",
     route_with("    auth: {realm: \"a\\tb\"}\n"),
     {R"(routes[0].auth.realm: "a\x09b" must not contain '"', '\' or control characters (line 7))"}},
    {"realm empty",
     route_with("    auth: {realm: \"\"}\n"),
     {"routes[0].auth.realm: must not be empty (line 7)"}},

    // Identity headers.
    {"identity header with a space",
     route_with("    forward: {identity_headers: {user: \"X User\"}}\n"),
     {R"(routes[0].forward.identity_headers.user: "X User" is not a valid header name (line 7))"}},
    {"identity header with a colon",
     route_with("    forward: {identity_headers: {email: \"X-Email:\"}}\n"),
     {R"(routes[0].forward.identity_headers.email: "X-Email:" is not a valid header name (line 7))"}},
    {"identity header empty",
     route_with("    forward: {identity_headers: {user: \"\"}}\n"),
     {"routes[0].forward.identity_headers.user: must not be empty; leave the key out to send no "
      "header (line 7)"}},
    {"identity header Authorization",
     route_with("    forward: {identity_headers: {user: Authorization}}\n"),
     {R"(routes[0].forward.identity_headers.user: "Authorization" is reserved for the proxy and cannot carry an identity (line 7))"}},
    {"identity header Host",
     route_with("    forward: {identity_headers: {user: host}}\n"),
     {R"(routes[0].forward.identity_headers.user: "host" is reserved for the proxy and cannot carry an identity (line 7))"}},
    {"identity header Content-Length",
     route_with("    forward: {identity_headers: {email: CONTENT-LENGTH}}\n"),
     {R"(routes[0].forward.identity_headers.email: "CONTENT-LENGTH" is reserved for the proxy and cannot carry an identity (line 7))"}},
    {"identity header Transfer-Encoding",
     route_with("    forward: {identity_headers: {email: Transfer-Encoding}}\n"),
     {R"(routes[0].forward.identity_headers.email: "Transfer-Encoding" is reserved for the proxy and cannot carry an identity (line 7))"}},
    {"identity header Connection",
     route_with("    forward: {identity_headers: {user: Connection}}\n"),
     {R"(routes[0].forward.identity_headers.user: "Connection" is reserved for the proxy and cannot carry an identity (line 7))"}},
    {"identity header Cookie",
     route_with("    forward: {identity_headers: {user: Cookie}}\n"),
     {R"(routes[0].forward.identity_headers.user: "Cookie" is reserved for the proxy and cannot carry an identity (line 7))"}},
    {"identity header X-Forwarded-For",
     route_with("    forward: {identity_headers: {user: X-Forwarded-For}}\n"),
     {R"(routes[0].forward.identity_headers.user: "X-Forwarded-For")" + kForwardingHeader +
      " (line 7)"}},
    {"identity header X-Forwarded-Proto with underscores",
     route_with("    forward: {identity_headers: {email: x_forwarded_proto}}\n"),
     {R"(routes[0].forward.identity_headers.email: "x_forwarded_proto")" + kForwardingHeader +
      " (line 7)"}},
    {"identity header X-Forwarded-Host",
     route_with("    forward: {identity_headers: {user: X-FORWARDED-HOST}}\n"),
     {R"(routes[0].forward.identity_headers.user: "X-FORWARDED-HOST")" + kForwardingHeader +
      " (line 7)"}},
    {"identity header Forwarded",
     route_with("    forward: {identity_headers: {user: Forwarded}}\n"),
     {R"(routes[0].forward.identity_headers.user: "Forwarded")" + kForwardingHeader + " (line 7)"}},
    {"identity header Via",
     route_with("    forward: {identity_headers: {email: via}}\n"),
     {R"(routes[0].forward.identity_headers.email: "via")" + kForwardingHeader + " (line 7)"}},
    {"identity header X-Real-IP",
     route_with("    forward: {identity_headers: {user: X_Real_Ip}}\n"),
     {R"(routes[0].forward.identity_headers.user: "X_Real_Ip")" + kForwardingHeader + " (line 7)"}},
    {"identity header X-Original-URL",
     route_with("    forward: {identity_headers: {user: X-Original-URL}}\n"),
     {R"(routes[0].forward.identity_headers.user: "X-Original-URL" makes some upstreams route on another URL and cannot carry an identity (line 7))"}},
    {"identity header X-Rewrite-URL",
     route_with("    forward: {identity_headers: {email: x_rewrite_url}}\n"),
     {R"(routes[0].forward.identity_headers.email: "x_rewrite_url" makes some upstreams route on another URL and cannot carry an identity (line 7))"}},
    {"identity header Content-Length with underscores",
     route_with("    forward: {identity_headers: {user: Content_Length}}\n"),
     {R"(routes[0].forward.identity_headers.user: "Content_Length" is reserved for the proxy and cannot carry an identity (line 7))"}},
    {"same identity header twice",
     route_with(
         "    forward:\n      identity_headers:\n        user: X-User\n        email: x-user\n"),
     {R"(routes[0].forward.identity_headers.email: "x-user" is the same header as routes[0].forward.identity_headers.user (line 10))"}},
    {"same identity header spelt with an underscore",
     route_with("    forward: {identity_headers: {user: X-Remote-User, email: X_REMOTE_USER}}\n"),
     {R"(routes[0].forward.identity_headers.email: "X_REMOTE_USER" is the same header as routes[0].forward.identity_headers.user (line 7))"}},
    {"identity headers on auth: none",
     route_with("    auth: none\n    forward:\n      identity_headers: {user: X-User}\n"),
     {"routes[0].forward.identity_headers: a route with auth: none has no identity to forward "
      "(line 9)"}},
    {"forward unknown key",
     route_with("    forward: {identity_header: {user: X-User}}\n"),
     {"routes[0].forward.identity_header: unknown key; expected one of identity_headers, "
      "assertion, strip_cookies (line 7)"}},
    {"identity_headers unknown key",
     route_with("    forward: {identity_headers: {name: X-User}}\n"),
     {"routes[0].forward.identity_headers.name: unknown key; expected one of user, email (line "
      "7)"}},
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(validation, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(each_rule_reports_path_message_and_line) {
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT(c.name << "\n" << c.yaml) {
      BOOST_TEST(problems_of(c.yaml) == c.expected, boost::test_tools::per_element());
    }
  }
}

// Guards the table itself: with the fake environment every fixture part is valid.
BOOST_AUTO_TEST_CASE(table_fixtures_are_valid_on_their_own) {
  BOOST_CHECK_NO_THROW(parse(kHead + kRoutes));
  BOOST_CHECK_NO_THROW(parse(route_with("    auth: none\n")));
  BOOST_CHECK_NO_THROW(parse(upstream_with("      url: http://x\n      idle_timeout: 1s\n")));
  BOOST_CHECK_NO_THROW(parse(upstream_url("http://x")));
  BOOST_CHECK_NO_THROW(parse(with_section("cache: {ttl: 0s, max_entries: 0}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section("cache: {ttl: 1h}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section("cache: {ttl: 3600000ms}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section("server: {threads: 0, header_timeout: 24h}\n")));
  BOOST_CHECK_NO_THROW(parse(with_database("database: {url: x, migrate_on_start: false}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section("cache: {ttl: 1s, ttl_unsynced: 1h}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section("cache: {ttl_unsynced: 0s}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section(
      "brute_force: {per_address: {burst: 1, per_minute: 0.01}, per_account: {burst: 100000, "
      "per_minute: 1000000}, lock_after: 100, lock_duration: 24h, lock_duration_max: 24h}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section("brute_force: {lock_after: 1, lock_duration: 1h}\n")));
  BOOST_CHECK_NO_THROW(parse(with_section("brute_force: {}\n")));
}

BOOST_AUTO_TEST_SUITE_END()

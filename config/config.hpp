// Plain, validated configuration. Parsed once from YAML by load_config(); the
// rest of latchkey sees only these structs and never includes yaml-cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::config {

using Duration = std::chrono::milliseconds;

struct Endpoint {
  std::string host;  // literal IP address ("127.0.0.1", "0.0.0.0", "::1")
  std::uint16_t port = 0;
};

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

struct Listener {
  Endpoint address;
  std::optional<TlsFiles> tls;
};

struct Admin {
  Endpoint address;
};

struct Database {
  std::string url;  // libpq connection string or URI, ${ENV} already expanded
  int pool_size = 8;
  bool migrate_on_start = false;
};

// Secret material, already read from the referenced file or environment variable.
struct Secrets {
  std::string pepper;    // >= 32 bytes; key of every HMAC over stored credentials
  std::string totp_key;  // exactly 32 bytes; AES-256-GCM key for TOTP secrets
};

enum class CredentialKind { app_password, token };
enum class AccountPasswordPolicy { deny_if_totp, deny };

struct RouteAuth {
  bool required = true;  // false for `auth: none`
  std::vector<CredentialKind> accept{CredentialKind::app_password};
  AccountPasswordPolicy account_password = AccountPasswordPolicy::deny_if_totp;
  std::string realm = "latchkey";
  std::vector<std::string> scopes;  // the credential must carry each (RFC 6749 §3.3 tokens)
};

struct Upstream {
  std::string url;        // as written
  std::string scheme;     // "http" or "https"
  std::string host;       // host name or IP, without brackets
  std::uint16_t port = 0; // explicit or scheme default
  std::string base_path;  // path of the URL without trailing '/', "" for root
  std::optional<std::string> ca_file;  // https: trust anchors instead of the system store
  // https: no certificate or host name check. Explicit opt-in only, logged as a warning.
  bool tls_insecure_skip_verify = false;
  std::optional<std::string> client_cert_file;  // https: presented to the upstream, with
  std::optional<std::string> client_key_file;   // its key (both or neither)
  Duration connect_timeout{5'000};
  Duration response_timeout{30'000};  // until the response head arrives
  Duration idle_timeout{60'000};      // pooled keep-alive connection lifetime when unused
  std::size_t max_idle_connections = 32;
};

struct IdentityHeaders {
  std::string user;   // header carrying the username; empty: not sent
  std::string email;  // header carrying the e-mail; empty: not sent
};

enum class AssertionAlgorithm { eddsa, es256, hs256 };

// A signed identity assertion (compact JWS) sent upstream beside the identity headers.
struct Assertion {
  std::string header = "X-Latchkey-Assertion";
  AssertionAlgorithm alg = AssertionAlgorithm::eddsa;
  std::string key_file;  // resolved path, for messages
  // Secret: the PEM private key (EdDSA: Ed25519, ES256: P-256) or the HS256 secret itself.
  std::string key_material;
  std::string issuer = "latchkey";
  std::string audience;  // the route name unless configured
  Duration ttl{60'000};
};

// Per-route limits on what a client may send through.
struct RouteLimits {
  // Request body cap; nullopt: no cap (bodies are streamed, never held, so size costs no memory).
  std::optional<std::uint64_t> max_body_bytes;
};

struct Route {
  std::string name;
  std::optional<std::string> host;  // lower-case, no port; nullopt matches any host
  std::string path_prefix = "/";  // lower-case when path_ignore_case
  // match.ignore_case: the prefix matches in any case, for upstreams that read paths that way
  // (IIS, ASP.NET, Express by default), so no other spelling reaches a less protected route.
  bool path_ignore_case = false;
  Upstream upstream;
  RouteAuth auth;
  IdentityHeaders identity_headers;
  // Cookie names (RFC 6265 tokens) removed from Cookie fields before the upstream sees them.
  std::vector<std::string> strip_cookies;
  std::optional<Assertion> assertion;
  RouteLimits limits;
};

struct Server {
  int threads = 0;  // 0: hardware concurrency
  Duration header_timeout{10'000};     // whole request head must arrive within this
  Duration idle_timeout{60'000};       // keep-alive wait for the next request
  Duration body_timeout{60'000};       // each body read must make progress within this
  std::size_t max_header_bytes = 16 * 1024;
  int verify_workers = 4;              // threads for database lookups and Argon2
  int verify_queue = 256;              // pending verifications beyond this get 503
  std::size_t max_header_count = 100;  // header fields in one request head; more get 431
  std::size_t max_connections = 10'000;  // open client connections; more are closed at once
  std::size_t max_requests_per_connection = 1'000;  // the last one is answered with close
  Duration drain_timeout{30'000};      // on SIGTERM, requests in flight get this long
};

struct Cache {
  // Verified credentials are trusted this long without the database. Changes reach the cache
  // at once through NOTIFY (ttl_unsynced covers a lost listener), so this bounds the
  // database's load and how long an outage is ridden out, not how long a revoke takes.
  Duration ttl{300'000};
  std::size_t max_entries = 100'000;
  // While the change listener is disconnected, revocations may go unseen: entries then live
  // at most this long (the proxy uses the smaller of ttl and ttl_unsynced).
  Duration ttl_unsynced{5'000};
};

// A token bucket of failures: `burst` failures at once, refilled at `per_minute`.
struct FailureBudget {
  int burst = 0;
  double per_minute = 0;
};

// DESIGN.md §5.4-5.5: brute force is bounded per client address and per account.
struct BruteForce {
  FailureBudget per_address{30, 30};  // shared NAT egresses need headroom
  FailureBudget per_account{10, 6};
  int lock_after = 10;                   // consecutive failures (NIST SP 800-63B: at most 100)
  Duration lock_duration{60'000};        // first lock; doubles with each further lock
  Duration lock_duration_max{3'600'000};
  // A 429 for an exhausted budget is held this long (at most its Retry-After): a client that
  // ignores Retry-After then gets one answer per connection per delay, so a guessing storm
  // cannot take the IO threads from the users it is refused to protect. 0: answer at once.
  Duration over_budget_delay{1'000};
};

// A public OAuth client (no secret), RFC 6749 §2.1.
struct OAuthClient {
  std::string id;
  std::optional<std::vector<std::string>> scopes;  // nullopt: any scope
  bool password_grant = true;
  bool refresh_token_grant = true;
};

// Who may call the introspection endpoint (RFC 7662 §2.1), by HTTP Basic.
struct IntrospectionClient {
  std::string client_id;
  std::string client_secret;  // read from client_secret_file or client_secret ("${ENV}")
};

// The OAuth 2.0 endpoints on the proxy listener.
struct OAuth {
  bool enabled = false;
  std::string token_path = "/oauth/token";
  std::string revoke_path = "/oauth/revoke";
  std::string introspect_path = "/oauth/introspect";
  Duration access_token_ttl{3'600'000};
  Duration refresh_token_ttl{30LL * 24 * 3'600'000};
  // Accounts without TOTP may use their account password at the password grant.
  bool allow_account_password = false;
  std::vector<OAuthClient> clients;  // empty: any client_id, or none, is accepted
  std::optional<IntrospectionClient> introspection;  // nullopt: no introspection endpoint
};

// The self-service Account Security page and its JSON API, on the proxy listener.
struct SelfService {
  bool enabled = false;
  std::string path_prefix = "/-/account/";    // starts and ends with '/'
  // Only this Host serves the page (lower-case, no port): a host of its own keeps the page
  // out of every upstream's origin, whose scripts could otherwise call its API as the user.
  std::optional<std::string> host;
  Duration session_idle{15 * 60 * 1000};      // a session unused this long ends
  Duration session_max{12 * 60 * 60 * 1000};  // and ends this long after sign-in in any case
  // Cookie `Secure` and https-only Origin even over plain HTTP: behind a TLS terminator.
  bool secure_cookie = false;
};

// The audit log (audit_events): `latchkey serve` deletes events older than the retention.
struct Audit {
  // nullopt (`never`): kept forever. A year by default: PCI DSS (10.5.1) asks for 12 months
  // of audit history, and a password storm writes up to a row per address each second.
  std::optional<Duration> retention = Duration{365LL * 24 * 3'600'000};
};

struct Config {
  std::string source;  // path of the file it came from, for messages
  std::vector<Listener> listen;
  std::optional<Admin> admin;
  Database database;
  Secrets secrets;
  Server server;
  Cache cache;
  BruteForce brute_force;
  std::vector<Route> routes;
  OAuth oauth;
  SelfService self_service;
  Audit audit;
};

// Thrown by load_config/parse_config. what() joins every problem, one per line,
// each as `key.path: what is wrong (line N)`.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Looks up environment variables; injectable so tests need not touch the process environment.
using EnvLookup = std::optional<std::string> (*)(const std::string& name);
std::optional<std::string> process_env(const std::string& name);

// Parses YAML text. `base_dir` resolves relative *_file paths.
Config parse_config(const std::string& yaml_text, const std::string& source_name,
                    const std::string& base_dir, EnvLookup env = &process_env);

// Reads and parses a file. Throws ConfigError (also when the file cannot be read).
Config load_config(const std::string& path, EnvLookup env = &process_env);

// Parses "250ms", "5s", "2m", "1h"; nullopt when malformed.
std::optional<Duration> parse_duration(const std::string& text);

// Lifetimes of credentials: a whole number and s, m, h or d ("90d"), from 1s to 3650d;
// nullopt when malformed or out of range.
std::optional<Duration> parse_lifetime(std::string_view text);

}  // namespace latchkey::config

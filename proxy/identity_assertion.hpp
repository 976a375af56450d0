// The signed identity assertion a route sends upstream (config `forward.assertion`): a compact
// JWS whose claims say who logged in and with which credential. Keys are parsed once, when
// the Routing is built; signing takes microseconds and runs on the IO thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/jws.hpp"
#include "config/config.hpp"

namespace latchkey::proxy {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// RFC 7519 claims: iss, sub, aud, iat, exp = iat + ttl, jti, then email (when known), cred and
// cred_name (an application password's name). Pure, for tests.
std::string assertion_claims_json(const config::Assertion& settings, const auth::Identity& identity,
                                  std::int64_t issued_at, std::string_view jti);

// The JWS "alg" for a configured algorithm.
auth::jws::Algorithm jws_algorithm(config::AssertionAlgorithm alg);

class AssertionSigner {
 public:
  // Throws std::runtime_error naming the route (never the key) when the key cannot be parsed;
  // load_config has already checked it, so that means the file changed in between.
  AssertionSigner(const config::Route& route, WallClock clock);

  // The compact JWS for `identity`; nullopt when OpenSSL fails (the header is then left out).
  std::optional<std::string> sign(const auth::Identity& identity) const;
  const auth::jws::SigningKey& key() const { return key_; }

 private:
  config::Assertion settings_;  // key material dropped: the parsed key holds it
  auth::jws::SigningKey key_;
  WallClock clock_;
};

// One signer per route that has an assertion, keyed by route name.
class IdentityAssertions {
 public:
  explicit IdentityAssertions(
      const std::vector<config::Route>& routes,
      WallClock clock = [] { return std::chrono::system_clock::now(); });

  // nullopt when the route sends no assertion or signing failed.
  std::optional<std::string> sign(const config::Route& route, const auth::Identity& identity) const;
  // Keys whose public half may be published (not HS256), each once.
  std::vector<const auth::jws::SigningKey*> public_keys() const;

 private:
  std::map<std::string, AssertionSigner, std::less<>> by_route_;
};

}  // namespace latchkey::proxy

#include "proxy/identity_assertion.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <exception>
#include <stdexcept>

#include "auth/random.hpp"

namespace latchkey::proxy {
namespace {

constexpr std::size_t kJtiBytes = 16;  // 128 random bits: unique without coordination

auth::jws::SigningKey load_key(const config::Route& route) {
  std::string why;
  auto key = auth::jws::SigningKey::load(jws_algorithm(route.assertion->alg),
                                         route.assertion->key_material, why);
  if (!key) {
    throw std::runtime_error("routes " + route.name + ": assertion key " +
                             route.assertion->key_file + " " + why);
  }
  return std::move(*key);
}

}  // namespace

auth::jws::Algorithm jws_algorithm(config::AssertionAlgorithm alg) {
  switch (alg) {
    case config::AssertionAlgorithm::eddsa:
      return auth::jws::Algorithm::eddsa;
    case config::AssertionAlgorithm::es256:
      return auth::jws::Algorithm::es256;
    case config::AssertionAlgorithm::hs256:
      return auth::jws::Algorithm::hs256;
  }
  return auth::jws::Algorithm::eddsa;
}

std::string assertion_claims_json(const config::Assertion& settings, const auth::Identity& identity,
                                  std::int64_t issued_at, std::string_view jti) {
  const auto ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(settings.ttl).count();
  boost::json::object claims;
  claims["iss"] = settings.issuer;
  claims["sub"] = identity.username;
  claims["aud"] = settings.audience;
  claims["iat"] = issued_at;
  claims["exp"] = issued_at + ttl_seconds;
  claims["jti"] = jti;
  if (!identity.email.empty()) claims["email"] = identity.email;
  claims["cred"] = auth::to_string(identity.credential);  // app_password, account_password, token
  // The application password's name, the permanent token's, or for OAuth tokens the name of
  // the application password they were issued for.
  if (!identity.credential_name().empty()) claims["cred_name"] = identity.credential_name();
  return boost::json::serialize(claims);
}

AssertionSigner::AssertionSigner(const config::Route& route, WallClock clock)
    : settings_(*route.assertion), key_(load_key(route)), clock_(std::move(clock)) {
  settings_.key_material.clear();
}

std::optional<std::string> AssertionSigner::sign(const auth::Identity& identity) const {
  try {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
    const std::string jti = auth::jws::base64url_encode(auth::random_bytes(kJtiBytes));
    return auth::jws::sign_compact(key_, assertion_claims_json(settings_, identity, now, jti));
  } catch (const std::exception&) {  // random_bytes or an allocation failed
    return std::nullopt;
  }
}

IdentityAssertions::IdentityAssertions(const std::vector<config::Route>& routes, WallClock clock) {
  for (const auto& route : routes) {
    if (route.assertion) by_route_.try_emplace(route.name, route, clock);
  }
}

std::optional<std::string> IdentityAssertions::sign(const config::Route& route,
                                                    const auth::Identity& identity) const {
  const auto it = by_route_.find(route.name);
  if (it == by_route_.end()) return std::nullopt;
  return it->second.sign(identity);
}

std::vector<const auth::jws::SigningKey*> IdentityAssertions::public_keys() const {
  std::vector<const auth::jws::SigningKey*> keys;
  for (const auto& [name, signer] : by_route_) {
    const auto& key = signer.key();
    if (key.public_jwk().empty()) continue;
    const bool seen = std::any_of(keys.begin(), keys.end(),
                                  [&](const auto* other) { return other->kid() == key.kid(); });
    if (!seen) keys.push_back(&key);
  }
  return keys;
}

}  // namespace latchkey::proxy

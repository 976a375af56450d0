// The identity assertion: its claims, its signature, the JWKS, and the header on the request.
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "auth/jws.hpp"
#include "proxy/header_rewrite.hpp"
#include "proxy/identity_assertion.hpp"
#include "proxy/jwks.hpp"
#include "tests/proxy/parsed_head.hpp"
#include "tests/support/test_keys.hpp"

namespace http = boost::beast::http;
namespace jws = latchkey::auth::jws;
using latchkey::auth::CredentialType;
using latchkey::auth::Identity;
using latchkey::config::Assertion;
using latchkey::config::AssertionAlgorithm;
using latchkey::config::Route;
using latchkey::proxy::assertion_claims_json;
using latchkey::proxy::IdentityAssertions;
using latchkey::proxy::render_jwks;
using latchkey::test::generated_key_pem;
using latchkey::test::parse_request;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

Route signed_route(std::string name, AssertionAlgorithm alg, std::string material) {
  Route r;
  r.name = std::move(name);
  r.upstream.url = "http://backend.internal:8080";
  r.upstream.scheme = "http";
  r.upstream.host = "backend.internal";
  r.upstream.port = 8080;
  r.identity_headers.user = "X-Forwarded-User";
  Assertion a;
  a.alg = alg;
  a.key_file = "/etc/latchkey/" + r.name + ".key";
  a.key_material = std::move(material);
  a.audience = r.name;
  r.assertion = std::move(a);
  return r;
}

Identity mobile_user() {
  Identity id;
  id.user_id = 7;
  id.username = "alice";
  id.email = "alice@example.com";
  id.credential = CredentialType::app_password;
  id.app_password_id = 3;
  id.app_password_name = "YouTrack Mobile";
  return id;
}

IdentityAssertions at_fixed_time(const std::vector<Route>& routes) {
  return IdentityAssertions(
      routes, [] { return std::chrono::system_clock::time_point(std::chrono::seconds(kNow)); });
}

struct Token {
  boost::json::object header;
  boost::json::object claims;
  std::string signing_input;
  std::string signature;
};

Token split(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  BOOST_TEST_REQUIRE(second != std::string::npos);
  Token t;
  t.header = boost::json::parse(*jws::base64url_decode(token.substr(0, first))).as_object();
  t.claims = boost::json::parse(*jws::base64url_decode(token.substr(first + 1, second - first - 1)))
                 .as_object();
  t.signing_input = token.substr(0, second);
  t.signature = *jws::base64url_decode(token.substr(second + 1));
  return t;
}

std::string text(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<absent>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(identity_assertion)

BOOST_AUTO_TEST_CASE(claims_name_user_credential_and_lifetime) {
  Assertion settings;
  settings.audience = "tracker";
  settings.ttl = std::chrono::seconds(90);
  BOOST_TEST(assertion_claims_json(settings, mobile_user(), kNow, "j1") ==
             R"({"iss":"latchkey","sub":"alice","aud":"tracker","iat":1700000000,)"
             R"("exp":1700000090,"jti":"j1","email":"alice@example.com","cred":"app_password",)"
             R"("cred_name":"YouTrack Mobile"})");
}

BOOST_AUTO_TEST_CASE(claims_leave_out_what_is_unknown_and_escape_what_is_not) {
  Assertion settings;
  settings.issuer = "https://sso.example.com";
  settings.audience = "wiki";
  Identity id;
  id.username = "bob \"the\" admin";
  id.credential = CredentialType::account_password;
  BOOST_TEST(assertion_claims_json(settings, id, kNow, "j2") ==
             R"({"iss":"https://sso.example.com","sub":"bob \"the\" admin","aud":"wiki",)"
             R"("iat":1700000000,"exp":1700000060,"jti":"j2","cred":"account_password"})");
}

BOOST_AUTO_TEST_CASE(signed_token_carries_kid_claims_and_a_valid_signature) {
  const std::vector<Route> routes{
      signed_route("tracker", AssertionAlgorithm::eddsa, generated_key_pem("ED25519"))};
  const IdentityAssertions assertions = at_fixed_time(routes);
  const auto token = assertions.sign(routes[0], mobile_user());
  BOOST_TEST_REQUIRE(token.has_value());
  const Token t = split(*token);
  std::string why;
  const auto key =
      jws::SigningKey::load(jws::Algorithm::eddsa, routes[0].assertion->key_material, why);
  BOOST_TEST_REQUIRE(key.has_value());
  BOOST_TEST(text(t.header, "alg") == "EdDSA");
  BOOST_TEST(text(t.header, "typ") == "JWT");
  BOOST_TEST(text(t.header, "kid") == key->kid());
  // Ed25519 is deterministic: the same key over the same input gives the same signature.
  BOOST_TEST(t.signature == *key->sign(t.signing_input));
  BOOST_TEST(text(t.claims, "sub") == "alice");
  BOOST_TEST(text(t.claims, "aud") == "tracker");
  BOOST_TEST(text(t.claims, "cred_name") == "YouTrack Mobile");
  BOOST_TEST(t.claims.at("iat").as_int64() == kNow);
  BOOST_TEST(t.claims.at("exp").as_int64() == kNow + 60);
  // A fresh jti each time: an upstream can refuse a replayed assertion.
  const Token again = split(*assertions.sign(routes[0], mobile_user()));
  BOOST_TEST(text(t.claims, "jti").size() == 22u);
  BOOST_TEST(text(again.claims, "jti") != text(t.claims, "jti"));
}

BOOST_AUTO_TEST_CASE(routes_without_an_assertion_get_none) {
  std::vector<Route> routes{
      signed_route("tracker", AssertionAlgorithm::hs256, std::string(32, 'k'))};
  Route plain = routes[0];
  plain.name = "plain";
  plain.assertion.reset();
  routes.push_back(plain);
  const IdentityAssertions assertions(routes);
  BOOST_TEST(assertions.sign(routes[0], mobile_user()).has_value());
  BOOST_TEST(!assertions.sign(routes[1], mobile_user()).has_value());
}

BOOST_AUTO_TEST_CASE(a_key_that_no_longer_parses_stops_start_up_without_quoting_it) {
  const std::vector<Route> routes{
      signed_route("tracker", AssertionAlgorithm::eddsa, "SECRET-MATERIAL, no key")};
  try {
    IdentityAssertions assertions(routes);
    BOOST_ERROR("expected a refusal");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("tracker") != std::string::npos);
    BOOST_TEST(what.find("/etc/latchkey/tracker.key") != std::string::npos);
    BOOST_TEST(what.find("SECRET-MATERIAL") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(jwks_publishes_each_public_key_once_and_no_secret) {
  const std::string ed25519 = generated_key_pem("ED25519");
  const std::vector<Route> routes{
      signed_route("a", AssertionAlgorithm::eddsa, ed25519),
      signed_route("b", AssertionAlgorithm::es256, generated_key_pem("EC", "P-256")),
      signed_route("c", AssertionAlgorithm::hs256, "0123456789abcdef0123456789abcdef"),
      signed_route("d", AssertionAlgorithm::eddsa, ed25519)};
  const IdentityAssertions assertions(routes);
  const std::string jwks = render_jwks(assertions);
  const auto keys = boost::json::parse(jwks).at("keys").as_array();
  BOOST_TEST_REQUIRE(keys.size() == 2u);
  const auto& okp = keys[0].as_object();
  BOOST_TEST(text(okp, "kty") == "OKP");
  BOOST_TEST(text(okp, "crv") == "Ed25519");
  BOOST_TEST(text(okp, "alg") == "EdDSA");
  BOOST_TEST(text(okp, "use") == "sig");
  BOOST_TEST(text(okp, "kid") ==
             jws::jwk_thumbprint({{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", text(okp, "x")}}));
  const auto& ec = keys[1].as_object();
  BOOST_TEST(text(ec, "kty") == "EC");
  BOOST_TEST(text(ec, "crv") == "P-256");
  BOOST_TEST(text(ec, "alg") == "ES256");
  BOOST_TEST(jws::base64url_decode(text(ec, "x"))->size() == 32u);
  BOOST_TEST(jws::base64url_decode(text(ec, "y"))->size() == 32u);
  for (const auto& key : keys) BOOST_TEST(!key.as_object().contains("d"));
  BOOST_TEST(jwks.find("HS256") == std::string::npos);
  BOOST_TEST(jwks.find("oct") == std::string::npos);
  BOOST_TEST(render_jwks(IdentityAssertions({})) == R"({"keys":[]})");
}

BOOST_AUTO_TEST_CASE(header_carries_the_assertion_and_no_client_copy_survives) {
  const std::vector<Route> routes{
      signed_route("tracker", AssertionAlgorithm::es256, generated_key_pem("EC", "P-256"))};
  const IdentityAssertions assertions(routes);
  const auto names = latchkey::proxy::collect_identity_header_names(routes);
  latchkey::proxy::ForwardContext context;
  context.client_address = "192.0.2.10";
  context.identity_header_names = &names;
  context.assertions = &assertions;
  const Identity id = mobile_user();
  auto head = parse_request(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Latchkey-Assertion: forged\r\n"
      "x_latchkey_assertion: forged2\r\n\r\n");
  latchkey::proxy::rewrite_upstream_request(head, routes[0], &id, context);
  std::vector<std::string> values;
  for (const auto& field : head) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(c == '_' ? '-' : std::tolower(c));
    if (name == "x-latchkey-assertion") values.emplace_back(field.value());
  }
  BOOST_TEST_REQUIRE(values.size() == 1u);
  const Token t = split(values[0]);
  BOOST_TEST(text(t.header, "alg") == "ES256");
  BOOST_TEST(text(t.claims, "sub") == "alice");
  BOOST_TEST(t.signature.size() == 64u);

  // Another route without an assertion, or no identity: the client's copy is still removed.
  Route plain = routes[0];
  plain.name = "plain";
  plain.assertion.reset();
  for (const Identity* who : {&id, static_cast<const Identity*>(nullptr)}) {
    auto other = parse_request("GET / HTTP/1.1\r\nHost: h\r\nX-Latchkey-Assertion: forged\r\n\r\n");
    latchkey::proxy::rewrite_upstream_request(other, who ? plain : routes[0], who, context);
    BOOST_TEST(other.count("X-Latchkey-Assertion") == 0u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

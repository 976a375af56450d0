// The signed identity assertion as an upstream sees it: the recording upstream receives the
// header, and PyJWT (tests/support/verify_assertion.py) verifies it with the key the admin
// listener publishes in its JWKS, or with the shared secret for HS256.
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>

#include "auth/jws.hpp"
#include "tests/e2e/deployment.hpp"
#include "tests/support/test_keys.hpp"

namespace latchkey::test {

namespace {

const std::string kSecret = "e2e-hs256-shared-secret-0123456789abcdef";

// Keys made for this run, and a deployment with one route per algorithm.
struct SignedDeployment {
  TempDir keys;
  std::unique_ptr<Deployment> deployment;

  SignedDeployment() {
    write_file(keys.file("ed25519.pem"), generated_key_pem("ED25519"));
    write_file(keys.file("p256.pem"), generated_key_pem("EC", "P-256"));
    write_file(keys.file("hs256.key"), kSecret + "\n");
    DeploymentOptions options;
    options.extra_routes =
        "  - name: signed-ed\n"
        "    match: { path_prefix: /signed/ed }\n"
        "    upstream: { url: \"@UPSTREAM@\" }\n"
        "    forward:\n"
        "      identity_headers: { user: X-Forwarded-User }\n"
        "      assertion: { alg: EdDSA, key_file: " +
        keys.file("ed25519.pem") +
        " }\n"
        "  - name: signed-es\n"
        "    match: { path_prefix: /signed/es }\n"
        "    upstream: { url: \"@UPSTREAM@\" }\n"
        "    forward:\n"
        "      assertion: { header: X-Identity-Assertion, alg: ES256, key_file: " +
        keys.file("p256.pem") +
        ", ttl: 5m, issuer: \"https://latchkey.test\", audience: youtrack }\n"
        "  - name: signed-hs\n"
        "    match: { path_prefix: /signed/hs }\n"
        "    upstream: { url: \"@UPSTREAM@\" }\n"
        "    auth: { accept: [app_password], account_password: deny_if_totp }\n"
        "    forward:\n"
        "      assertion: { alg: HS256, key_file: " +
        keys.file("hs256.key") + ", ttl: 30s }\n";
    deployment = std::make_unique<Deployment>(options);
  }
};

SignedDeployment& signed_setup() {
  static SignedDeployment instance;
  return instance;
}

Deployment& signed_deployment() {
  return *signed_setup().deployment;
}

// What an upstream holds for HS256: the same file latchkey reads.
std::string secret_file() {
  return signed_setup().keys.file("hs256.key");
}

std::string jwks_url() {
  return signed_deployment().admin_url() + "/.well-known/jwks.json";
}

// Runs the verifier; `source` is {"--jwks-url", URL} or {"--secret-file", FILE}.
ProcessResult verify(const std::string& token, const std::string& alg, const std::string& audience,
                     const std::string& issuer, const std::vector<std::string>& source) {
  std::vector<std::string> argv{
      "/usr/bin/python3",
      std::string(LATCHKEY_SOURCE_DIR) + "/tests/support/verify_assertion.py",
      "--token",
      token,
      "--alg",
      alg,
      "--audience",
      audience,
      "--issuer",
      issuer};
  argv.insert(argv.end(), source.begin(), source.end());
  RunOptions options;
  options.timeout = std::chrono::seconds(30);
  return run_process(argv, options);
}

// The verified header and claims; fails the test when verification fails.
boost::json::object verified(const std::string& token, const std::string& alg,
                             const std::string& audience, const std::string& issuer,
                             const std::vector<std::string>& source) {
  const ProcessResult result = verify(token, alg, audience, issuer, source);
  BOOST_TEST_REQUIRE(result.exit_code == 0, describe(result));
  return boost::json::parse(result.out).as_object();
}

std::string text(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<absent>";
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The token the upstream received in `header` on the last request; exactly one copy.
std::string received_token(const std::string& header) {
  const auto record = signed_deployment().upstream_records().back();
  BOOST_TEST_REQUIRE(record_header_count(record, header) == 1u);
  return record_header(record, header);
}

std::string grace_password() {
  static const std::string password = [] {
    signed_deployment().add_user("grace", "grace-account-pw", true, "grace@example.com");
    return signed_deployment().new_app_password("grace", "YouTrack Mobile");
  }();
  return password;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(identity_assertion)

BOOST_AUTO_TEST_CASE(eddsa_assertion_verifies_with_the_published_key) {
  auto& d = signed_deployment();
  const auto result = d.curl(
      "/signed/ed/issues", {"-u", "grace:" + grace_password(), "-H", "X-Latchkey-Assertion: forged",
                            "-H", "x_latchkey_assertion: forged-too"});
  BOOST_TEST_REQUIRE(result.status == 200);
  const std::string token = received_token("X-Latchkey-Assertion");
  BOOST_TEST(token.find("forged") == std::string::npos);
  BOOST_TEST(record_header(d.upstream_records().back(), "X-Forwarded-User") == "grace");

  const auto out = verified(token, "EdDSA", "signed-ed", "latchkey", {"--jwks-url", jwks_url()});
  const auto& header = out.at("header").as_object();
  const auto& claims = out.at("claims").as_object();
  BOOST_TEST(text(header, "alg") == "EdDSA");
  BOOST_TEST(text(header, "typ") == "JWT");
  BOOST_TEST(text(claims, "sub") == "grace");
  BOOST_TEST(text(claims, "email") == "grace@example.com");
  BOOST_TEST(text(claims, "cred") == "app_password");
  BOOST_TEST(text(claims, "cred_name") == "YouTrack Mobile");
  const std::int64_t iat = claims.at("iat").as_int64();
  BOOST_TEST(claims.at("exp").as_int64() - iat == 60);
  BOOST_TEST(std::llabs(iat - now_seconds()) <= 5);
  BOOST_TEST(text(claims, "jti").size() >= 16u);
}

BOOST_AUTO_TEST_CASE(es256_assertion_with_its_own_header_issuer_audience_and_ttl) {
  auto& d = signed_deployment();
  const auto result = d.curl(
      "/signed/es/api", {"-u", "grace:" + grace_password(), "-H", "X-Identity-Assertion: forged"});
  BOOST_TEST_REQUIRE(result.status == 200);
  const std::string token = received_token("X-Identity-Assertion");
  BOOST_TEST(record_header_count(d.upstream_records().back(), "X-Latchkey-Assertion") == 0u);

  const auto out =
      verified(token, "ES256", "youtrack", "https://latchkey.test", {"--jwks-url", jwks_url()});
  const auto& claims = out.at("claims").as_object();
  BOOST_TEST(text(out.at("header").as_object(), "alg") == "ES256");
  BOOST_TEST(text(claims, "sub") == "grace");
  BOOST_TEST(text(claims, "cred_name") == "YouTrack Mobile");
  BOOST_TEST(claims.at("exp").as_int64() - claims.at("iat").as_int64() == 300);
  // An upstream expecting another audience or issuer refuses it.
  BOOST_TEST(
      verify(token, "ES256", "signed-es", "https://latchkey.test", {"--jwks-url", jwks_url()})
          .exit_code == 1);
  BOOST_TEST(verify(token, "ES256", "youtrack", "latchkey", {"--jwks-url", jwks_url()}).exit_code ==
             1);
}

BOOST_AUTO_TEST_CASE(hs256_assertion_verifies_with_the_shared_secret) {
  auto& d = signed_deployment();
  d.add_user("henry", "henry-account-pw", false);  // no TOTP: the route allows the password
  const auto result = d.curl("/signed/hs/x", {"-u", "henry:henry-account-pw"});
  BOOST_TEST_REQUIRE(result.status == 200);
  const std::string token = received_token("X-Latchkey-Assertion");

  const auto out =
      verified(token, "HS256", "signed-hs", "latchkey", {"--secret-file", secret_file()});
  const auto& claims = out.at("claims").as_object();
  BOOST_TEST(text(claims, "sub") == "henry");
  BOOST_TEST(text(claims, "cred") == "account_password");
  BOOST_TEST(!claims.contains("cred_name"));
  BOOST_TEST(!claims.contains("email"));
  BOOST_TEST(claims.at("exp").as_int64() - claims.at("iat").as_int64() == 30);
  // The symmetric key is not in the JWKS, so nothing published verifies this token.
  BOOST_TEST(
      verify(token, "HS256", "signed-hs", "latchkey", {"--jwks-url", jwks_url()}).exit_code == 1);
}

BOOST_AUTO_TEST_CASE(jwks_lists_the_public_keys_and_nothing_secret) {
  auto& d = signed_deployment();
  const ProcessResult fetched = d.admin_get("/.well-known/jwks.json");
  BOOST_TEST_REQUIRE(fetched.exit_code == 0, describe(fetched));
  const auto newline = fetched.out.rfind('\n');
  BOOST_TEST(fetched.out.substr(newline + 1) == "200");
  const auto jwks = boost::json::parse(fetched.out.substr(0, newline)).as_object();
  const auto& keys = jwks.at("keys").as_array();
  BOOST_TEST_REQUIRE(keys.size() == 2u);
  BOOST_TEST(text(keys[0].as_object(), "kty") != text(keys[1].as_object(), "kty"));
  for (const auto& key : keys) {
    const auto& jwk = key.as_object();
    BOOST_TEST(!jwk.contains("d"));  // private part
    BOOST_TEST(!jwk.contains("k"));  // symmetric secret
    BOOST_TEST(text(jwk, "use") == "sig");
  }
  BOOST_TEST(fetched.out.find(auth::jws::base64url_encode(kSecret)) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_tampered_assertion_fails_verification) {
  auto& d = signed_deployment();
  BOOST_TEST_REQUIRE(d.curl("/signed/ed/x", {"-u", "grace:" + grace_password()}).status == 200);
  const std::string token = received_token("X-Latchkey-Assertion");
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  // Same signature over claims that now name someone else.
  std::string claims = *auth::jws::base64url_decode(token.substr(first + 1, second - first - 1));
  const auto sub = claims.find("\"grace\"");
  BOOST_TEST_REQUIRE(sub != std::string::npos);
  claims.replace(sub, 7, "\"admin\"");
  const std::string forged =
      token.substr(0, first + 1) + auth::jws::base64url_encode(claims) + token.substr(second);
  const ProcessResult refused =
      verify(forged, "EdDSA", "signed-ed", "latchkey", {"--jwks-url", jwks_url()});
  BOOST_TEST(refused.exit_code == 1);
  BOOST_TEST(refused.err.find("InvalidSignatureError") != std::string::npos, refused.err);
  // A flipped signature byte fails too; the untouched token still verifies.
  std::string flipped = token;
  flipped[second + 5] = flipped[second + 5] == 'A' ? 'B' : 'A';
  BOOST_TEST(
      verify(flipped, "EdDSA", "signed-ed", "latchkey", {"--jwks-url", jwks_url()}).exit_code == 1);
  BOOST_TEST(
      verify(token, "EdDSA", "signed-ed", "latchkey", {"--jwks-url", jwks_url()}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(client_sent_assertions_never_pass_on_other_routes) {
  auto& d = signed_deployment();
  const std::vector<std::string> forged{"-H", "X-Latchkey-Assertion: forged", "-H",
                                        "X-Identity-Assertion: forged"};
  std::vector<std::string> with_login{"-u", "grace:" + grace_password()};
  with_login.insert(with_login.end(), forged.begin(), forged.end());
  BOOST_TEST_REQUIRE(d.curl("/plain", with_login).status == 200);  // route without assertion
  for (const char* header : {"X-Latchkey-Assertion", "X-Identity-Assertion"}) {
    BOOST_TEST(record_header_count(d.upstream_records().back(), header) == 0u);
  }
  BOOST_TEST_REQUIRE(d.curl("/static/logo.png", forged).status == 200);  // auth: none
  for (const char* header : {"X-Latchkey-Assertion", "X-Identity-Assertion"}) {
    BOOST_TEST(record_header_count(d.upstream_records().back(), header) == 0u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

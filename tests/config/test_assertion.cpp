// routes[].forward.assertion: header, alg, key_file (of the right type), ttl, issuer, audience.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "tests/config/config_test_support.hpp"
#include "tests/config/temp_dir.hpp"
#include "tests/support/test_keys.hpp"

using namespace latchkey::config;
using namespace latchkey::config::test;

namespace {

using latchkey::test::generated_key_pem;

// A directory with one key of each kind, generated afresh (no private key in the repository).
struct KeyFiles : FakeEnvFixture {
  TempDir dir;
  std::string ed25519 = dir.write("ed25519.pem", generated_key_pem("ED25519"));
  std::string p256 = dir.write("p256.pem", generated_key_pem("EC", "P-256"));
  std::string p384 = dir.write("p384.pem", generated_key_pem("EC", "P-384"));
  std::string secret = dir.write("hs256.key", "0123456789abcdef0123456789abcdef-shared\n");
  std::string short_secret = dir.write("short.key", std::string(31, 's') + "\n");
  std::string garbage = dir.write("garbage.pem", "SECRET-MATERIAL that is no key at all\n");

  std::string base() const { return dir.path().string(); }
  // A route with identity headers whose `forward.assertion` is `assertion` on line 9.
  std::string yaml(const std::string& assertion, const std::string& auth = "") const {
    return kHead + "routes:\n  - name: tracker\n    upstream: {url: \"http://127.0.0.1:9000\"}\n" +
           auth + "    forward:\n      identity_headers: {user: X-Forwarded-User}\n" +
           "      assertion: " + assertion + "\n";
  }
  Route route(const std::string& assertion) const {
    return parse_config(yaml(assertion), "test.yaml", base(), &lookup_fake_env).routes.at(0);
  }
  std::vector<std::string> problems(const std::string& assertion,
                                    const std::string& auth = "") const {
    return problems_of(yaml(assertion, auth), base());
  }
  std::string quoted(const std::string& file) const { return "\"" + file + "\""; }
};

const std::string kAt = "routes[0].forward.assertion";

}  // namespace

BOOST_FIXTURE_TEST_SUITE(assertion_config, KeyFiles)

BOOST_AUTO_TEST_CASE(defaults_name_latchkey_the_route_and_a_minute) {
  const Route r = route("{alg: EdDSA, key_file: ed25519.pem}");
  BOOST_TEST_REQUIRE(r.assertion.has_value());
  BOOST_TEST(r.assertion->header == "X-Latchkey-Assertion");
  BOOST_TEST((r.assertion->alg == AssertionAlgorithm::eddsa));
  BOOST_TEST(r.assertion->key_file == ed25519);  // relative to the config file's directory
  std::ifstream file(ed25519, std::ios::binary);
  const std::string contents((std::istreambuf_iterator<char>(file)), {});
  BOOST_TEST(r.assertion->key_material == contents);
  // What the config keeps must parse as the Ed25519 private key the file held.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(r.assertion->key_material.data(),
                      static_cast<int>(r.assertion->key_material.size())),
      &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  BOOST_TEST_REQUIRE(key != nullptr);
  BOOST_TEST(EVP_PKEY_id(key.get()) == EVP_PKEY_ED25519);
  BOOST_TEST(r.assertion->issuer == "latchkey");
  BOOST_TEST(r.assertion->audience == "tracker");
  BOOST_TEST(r.assertion->ttl.count() == 60'000);
}

BOOST_AUTO_TEST_CASE(every_setting_can_be_given) {
  const Route r = route("{header: X-Identity-Token, alg: ES256, key_file: " + p256 +
                        ", ttl: 5m, issuer: \"https://sso.example.com\", audience: youtrack}");
  BOOST_TEST_REQUIRE(r.assertion.has_value());
  BOOST_TEST(r.assertion->header == "X-Identity-Token");
  BOOST_TEST((r.assertion->alg == AssertionAlgorithm::es256));
  BOOST_TEST(r.assertion->issuer == "https://sso.example.com");
  BOOST_TEST(r.assertion->audience == "youtrack");
  BOOST_TEST(r.assertion->ttl.count() == 300'000);
}

BOOST_AUTO_TEST_CASE(hs256_secret_loses_the_trailing_newline_of_its_file) {
  const Route r = route("{alg: HS256, key_file: hs256.key, ttl: 1s}");
  BOOST_TEST_REQUIRE(r.assertion.has_value());
  BOOST_TEST(r.assertion->key_material == "0123456789abcdef0123456789abcdef-shared");
  BOOST_TEST(r.assertion->ttl.count() == 1'000);
  BOOST_TEST(route("{alg: HS256, key_file: hs256.key, ttl: 1h}").assertion->ttl.count() ==
             3'600'000);
}

BOOST_AUTO_TEST_CASE(a_route_without_it_sends_none) {
  BOOST_TEST(!parse(kHead + kRoutes).routes.at(0).assertion.has_value());
}

BOOST_AUTO_TEST_CASE(key_of_the_wrong_type_for_alg_is_refused) {
  BOOST_TEST(problems("{alg: EdDSA, key_file: p256.pem}") ==
                 std::vector<std::string>{kAt + ".key_file: " + quoted(p256) +
                                          " does not hold an Ed25519 private key, which alg "
                                          "EdDSA needs (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems("{alg: ES256, key_file: ed25519.pem}") ==
                 std::vector<std::string>{kAt + ".key_file: " + quoted(ed25519) +
                                          " does not hold an EC P-256 private key, which alg "
                                          "ES256 needs (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems("{alg: ES256, key_file: p384.pem}") ==
                 std::vector<std::string>{kAt + ".key_file: " + quoted(p384) +
                                          " does not hold an EC P-256 private key, which alg "
                                          "ES256 needs (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems("{alg: HS256, key_file: short.key}") ==
                 std::vector<std::string>{kAt + ".key_file: " + quoted(short_secret) +
                                          " holds fewer than 32 bytes; an HS256 secret must be "
                                          "at least 32 bytes long (line 9)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(what_is_no_key_is_refused_without_quoting_its_contents) {
  const auto found = problems("{alg: EdDSA, key_file: garbage.pem}");
  BOOST_TEST(
      found == std::vector<std::string>{kAt + ".key_file: " + quoted(garbage) +
                                        " does not hold an unencrypted PEM private key (line 9)"},
      boost::test_tools::per_element());
  BOOST_TEST(found.at(0).find("SECRET-MATERIAL") == std::string::npos);
  dir.write("encrypted.pem", generated_key_pem("ED25519", nullptr, EVP_aes_256_cbc()));
  BOOST_TEST(problems("{alg: EdDSA, key_file: encrypted.pem}")
                 .at(0)
                 .find("does not hold an unencrypted PEM private key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unreadable_or_missing_key_file_is_refused) {
  BOOST_TEST(problems("{alg: EdDSA, key_file: missing.pem}") ==
                 std::vector<std::string>{kAt + ".key_file: cannot read " +
                                          quoted(base() + "/missing.pem") +
                                          ": No such file or directory (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(
      problems("{alg: EdDSA}") == std::vector<std::string>{kAt + ".key_file: is required (line 9)"},
      boost::test_tools::per_element());
  BOOST_TEST(problems("{alg: EdDSA, key_file: \"\"}") ==
                 std::vector<std::string>{kAt + ".key_file: must not be empty (line 9)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(alg_must_be_one_of_three) {
  BOOST_TEST(problems("{alg: RS256, key_file: ed25519.pem}") ==
                 std::vector<std::string>{kAt + ".alg: \"RS256\" is not one of EdDSA, ES256, "
                                                "HS256 (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems("{alg: none, key_file: ed25519.pem}").size() == 1u);
  BOOST_TEST(problems("{key_file: ed25519.pem}") ==
                 std::vector<std::string>{kAt + ".alg: is required (line 9)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(header_is_checked_like_an_identity_header) {
  const std::string key = ", alg: EdDSA, key_file: ed25519.pem}";
  BOOST_TEST(problems("{header: Authorization" + key) ==
                 std::vector<std::string>{kAt + ".header: \"Authorization\" is reserved for the "
                                                "proxy and cannot carry an identity (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems("{header: X_Forwarded_For" + key) ==
                 std::vector<std::string>{kAt + ".header: \"X_Forwarded_For\" is a forwarding "
                                                "header that latchkey sets or strips itself and "
                                                "cannot carry an identity (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems("{header: Connection" + key).size() == 1u);
  BOOST_TEST(problems("{header: \"X Token\"" + key) ==
                 std::vector<std::string>{kAt + ".header: \"X Token\" is not a valid header name "
                                                "(line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems("{header: x_forwarded_user" + key) ==
                 std::vector<std::string>{kAt + ".header: \"x_forwarded_user\" is already an "
                                                "identity header of this route (line 9)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ttl_is_between_a_second_and_an_hour) {
  const std::string key = "{alg: EdDSA, key_file: ed25519.pem, ttl: ";
  BOOST_TEST(problems(key + "500ms}") ==
                 std::vector<std::string>{kAt + ".ttl: \"500ms\" is shorter than the minimum of "
                                                "1s (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems(key + "0s}").size() == 1u);
  BOOST_TEST(problems(key + "1500ms}") ==
                 std::vector<std::string>{kAt + ".ttl: \"1500ms\" must be whole seconds, as exp "
                                                "and iat are (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems(key + "61m}") ==
                 std::vector<std::string>{kAt + ".ttl: \"61m\" is longer than the maximum of 1h; "
                                                "an assertion is a bearer credential for the "
                                                "upstream, so it should expire soon (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems(key + "soon}").size() == 1u);
}

BOOST_AUTO_TEST_CASE(issuer_and_audience_are_printable_text) {
  const std::string key = "{alg: EdDSA, key_file: ed25519.pem, ";
  BOOST_TEST(problems(key + "issuer: \"\"}") ==
                 std::vector<std::string>{kAt + ".issuer: \"\" must be 1 to 256 characters "
                                                "without control characters (line 9)"},
             boost::test_tools::per_element());
  BOOST_TEST(problems(key + "audience: \"a\\tb\"}").size() == 1u);
  BOOST_TEST(problems(key + "audience: " + std::string(257, 'a') + "}").size() == 1u);
}

BOOST_AUTO_TEST_CASE(no_assertion_on_a_route_without_authentication) {
  const std::vector<std::string> expected{
      "routes[0].forward.identity_headers: a route with auth: none has no identity to forward "
      "(line 9)",
      kAt + ": a route with auth: none has no identity to forward (line 10)"};
  BOOST_TEST(problems("{alg: EdDSA, key_file: ed25519.pem}", "    auth: none\n") == expected,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_named) {
  BOOST_TEST(problems("{alg: EdDSA, key_file: ed25519.pem, kid: mine}") ==
                 std::vector<std::string>{kAt + ".kid: unknown key; expected one of header, alg, "
                                                "key_file, ttl, issuer, audience (line 9)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

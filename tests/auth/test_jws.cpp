#define BOOST_TEST_DYN_LINK
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "auth/jws.hpp"
#include "tests/support/test_keys.hpp"

namespace jws = latchkey::auth::jws;
using jws::Algorithm;
using jws::SigningKey;
using latchkey::test::private_key_pem;

namespace {

// RFC 8037 Appendix A.1: the Ed25519 test key (d and x), A.3 its thumbprint, A.4 a signature.
constexpr const char* kRfc8037D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr const char* kRfc8037X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr const char* kRfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
constexpr const char* kRfc8037SigningInput =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr const char* kRfc8037Signature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The RFC's key as PEM, built here so that no private-key file lives in the repository.
std::string rfc8037_pem() {
  const std::string d = *jws::base64url_decode(kRfc8037D);
  Pkey key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(d.data()), d.size()));
  BOOST_TEST_REQUIRE(key != nullptr);
  return private_key_pem(key.get());
}

Pkey generate_ec(const char* curve) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

SigningKey load(Algorithm algorithm, const std::string& material) {
  std::string why;
  auto key = SigningKey::load(algorithm, material, why);
  BOOST_TEST_REQUIRE(key.has_value(), why);
  return *key;
}

std::string refusal(Algorithm algorithm, const std::string& material) {
  std::string why;
  const auto key = SigningKey::load(algorithm, material, why);
  BOOST_TEST(!key.has_value());
  BOOST_TEST(!why.empty());
  return why;
}

// Verifies a JOSE ES256 signature (R || S) with OpenSSL, which wants DER.
bool es256_verifies(EVP_PKEY* key, const std::string& input, const std::string& jose) {
  if (jose.size() != 64) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig.get(), &der);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  const int ok =
      EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_length),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
  OPENSSL_free(der);
  return ok == 1;
}

std::string coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* value = nullptr;
  BOOST_TEST_REQUIRE(EVP_PKEY_get_bn_param(key, name, &value) == 1);
  std::string bytes(32, '\0');
  BN_bn2binpad(value, reinterpret_cast<unsigned char*>(bytes.data()), 32);
  BN_free(value);
  return jws::base64url_encode(bytes);
}

std::string member(const jws::JwkMembers& members, const std::string& name) {
  for (const auto& [n, v] : members) {
    if (n == name) return v;
  }
  return "<absent>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jws_base64url)

BOOST_AUTO_TEST_CASE(encodes_rfc4648_vectors_without_padding) {
  // RFC 4648 §10, padding removed as RFC 7515 §2 requires.
  BOOST_TEST(jws::base64url_encode("") == "");
  BOOST_TEST(jws::base64url_encode("f") == "Zg");
  BOOST_TEST(jws::base64url_encode("fo") == "Zm8");
  BOOST_TEST(jws::base64url_encode("foo") == "Zm9v");
  BOOST_TEST(jws::base64url_encode("foob") == "Zm9vYg");
  BOOST_TEST(jws::base64url_encode("fooba") == "Zm9vYmE");
  BOOST_TEST(jws::base64url_encode("foobar") == "Zm9vYmFy");
  // The URL-safe alphabet: 62 and 63 are '-' and '_', never '+' and '/'.
  BOOST_TEST(jws::base64url_encode("\xfb\xff") == "-_8");
}

BOOST_AUTO_TEST_CASE(decodes_what_it_encodes_for_every_length_and_byte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    BOOST_TEST_REQUIRE(jws::base64url_decode(jws::base64url_encode(bytes)).value_or("<none>") ==
                       bytes);
    bytes += static_cast<char>((i * 37) & 0xff);
  }
}

BOOST_AUTO_TEST_CASE(decoding_refuses_every_other_spelling) {
  BOOST_TEST(!jws::base64url_decode("Zg==").has_value());  // padding
  BOOST_TEST(!jws::base64url_decode("+_8").has_value());   // standard alphabet
  BOOST_TEST(!jws::base64url_decode("-/8").has_value());
  BOOST_TEST(!jws::base64url_decode("Zm9vY").has_value());  // 4n+1 characters
  BOOST_TEST(!jws::base64url_decode("Zh").has_value());     // stray low bits
  BOOST_TEST(!jws::base64url_decode("Zm 9v").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(jws_thumbprint)

BOOST_AUTO_TEST_CASE(rfc7638_example_rsa_key) {
  // RFC 7638 §3.1: members given out of order are sorted before hashing.
  const std::string n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJEC"
      "PebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qv"
      "zqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6W"
      "eZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  BOOST_TEST(jws::jwk_thumbprint({{"n", n}, {"kty", "RSA"}, {"e", "AQAB"}}) ==
             "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

BOOST_AUTO_TEST_CASE(rfc8037_ed25519_key_gets_its_thumbprint_as_kid) {
  const SigningKey key = load(Algorithm::eddsa, rfc8037_pem());
  BOOST_TEST(member(key.public_jwk(), "kty") == "OKP");
  BOOST_TEST(member(key.public_jwk(), "crv") == "Ed25519");
  BOOST_TEST(member(key.public_jwk(), "x") == kRfc8037X);
  BOOST_TEST(key.public_jwk().size() == 3u);  // never d
  BOOST_TEST(key.kid() == kRfc8037Thumbprint);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(jws_signing)

BOOST_AUTO_TEST_CASE(eddsa_matches_rfc8037_signature) {
  const SigningKey key = load(Algorithm::eddsa, rfc8037_pem());
  const auto signature = key.sign(kRfc8037SigningInput);
  BOOST_TEST_REQUIRE(signature.has_value());
  BOOST_TEST(jws::base64url_encode(*signature) == kRfc8037Signature);
}

BOOST_AUTO_TEST_CASE(hs256_matches_rfc7515_appendix_a1) {
  const auto secret = jws::base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  BOOST_TEST_REQUIRE(secret.has_value());
  const SigningKey key = load(Algorithm::hs256, *secret);
  const std::string input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  BOOST_TEST(jws::base64url_encode(*key.sign(input)) ==
             "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  // Symmetric keys are never published, and the kid tells nothing about the secret.
  BOOST_TEST(key.public_jwk().empty());
  BOOST_TEST(key.kid().size() == 22u);
  BOOST_TEST(load(Algorithm::hs256, std::string(40, 'k')).kid() != key.kid());
}

BOOST_AUTO_TEST_CASE(es256_signs_r_and_s_that_openssl_verifies) {
  const Pkey pkey = generate_ec("P-256");
  BOOST_TEST_REQUIRE(pkey != nullptr);
  const SigningKey key = load(Algorithm::es256, private_key_pem(pkey.get()));
  BOOST_TEST(member(key.public_jwk(), "kty") == "EC");
  BOOST_TEST(member(key.public_jwk(), "crv") == "P-256");
  BOOST_TEST(member(key.public_jwk(), "x") == coordinate(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X));
  BOOST_TEST(member(key.public_jwk(), "y") == coordinate(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y));
  BOOST_TEST(key.kid() == jws::jwk_thumbprint(key.public_jwk()));
  // ECDSA is randomised: check many signatures, so short r or s values (padded) occur too.
  for (int i = 0; i < 64; ++i) {
    const std::string input = "header.payload-" + std::to_string(i);
    const auto signature = key.sign(input);
    BOOST_TEST_REQUIRE(signature.has_value());
    BOOST_TEST_REQUIRE(signature->size() == 64u);
    BOOST_TEST_REQUIRE(es256_verifies(pkey.get(), input, *signature));
    BOOST_TEST_REQUIRE(!es256_verifies(pkey.get(), input + "x", *signature));
  }
}

BOOST_AUTO_TEST_CASE(compact_token_has_header_payload_and_signature_over_both) {
  const SigningKey key = load(Algorithm::eddsa, rfc8037_pem());
  const std::string payload = R"({"sub":"alice","exp":1})";
  const auto token = jws::sign_compact(key, payload);
  BOOST_TEST_REQUIRE(token.has_value());
  const auto first = token->find('.');
  const auto second = token->find('.', first + 1);
  BOOST_TEST_REQUIRE(second != std::string::npos);
  BOOST_TEST(token->find('.', second + 1) == std::string::npos);
  BOOST_TEST(*jws::base64url_decode(token->substr(0, first)) ==
             std::string(R"({"alg":"EdDSA","typ":"JWT","kid":")") + kRfc8037Thumbprint + "\"}");
  BOOST_TEST(*jws::base64url_decode(token->substr(first + 1, second - first - 1)) == payload);
  BOOST_TEST(token->substr(second + 1) ==
             jws::base64url_encode(*key.sign(token->substr(0, second))));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(jws_keys)

BOOST_AUTO_TEST_CASE(each_algorithm_refuses_the_wrong_key_type) {
  const std::string ed25519 = rfc8037_pem();
  const Pkey p256 = generate_ec("P-256");
  const Pkey p384 = generate_ec("P-384");
  BOOST_TEST(refusal(Algorithm::eddsa, private_key_pem(p256.get())).find("Ed25519") !=
             std::string::npos);
  BOOST_TEST(refusal(Algorithm::es256, ed25519).find("P-256") != std::string::npos);
  BOOST_TEST(refusal(Algorithm::es256, private_key_pem(p384.get())).find("P-256") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_what_is_no_private_key_without_quoting_it) {
  for (const std::string& material :
       {std::string("not a key at all, but long enough to be mistaken for one"), std::string(),
        std::string("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMl"
                    "rwIaaPcHURo=\n-----END PUBLIC KEY-----\n")}) {
    const std::string why = refusal(Algorithm::eddsa, material);
    BOOST_TEST(why.find("PEM private key") != std::string::npos);
    BOOST_TEST(why.find("long enough") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(an_encrypted_key_is_refused_without_asking_for_a_passphrase) {
  const Pkey p256 = generate_ec("P-256");
  const std::string encrypted = private_key_pem(p256.get(), EVP_aes_256_cbc());
  BOOST_TEST_REQUIRE(encrypted.find("ENCRYPTED") != std::string::npos);
  BOOST_TEST(refusal(Algorithm::es256, encrypted).find("unencrypted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hs256_needs_32_bytes) {
  BOOST_TEST(refusal(Algorithm::hs256, std::string(31, 's')).find("32 bytes") != std::string::npos);
  BOOST_TEST(load(Algorithm::hs256, std::string(32, 's')).sign("x")->size() == 32u);
}

BOOST_AUTO_TEST_SUITE_END()

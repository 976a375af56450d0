#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>

#include "auth/random.hpp"
#include "auth/secret_box.hpp"

using namespace latchkey::auth;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";
constexpr std::size_t kOverhead = 12 + 16;

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_box)

BOOST_AUTO_TEST_CASE(round_trip) {
  const SecretBox box(kKey);
  for (const std::string& plaintext :
       {std::string(), std::string("x"), std::string("twenty-byte seed!!!!"), random_bytes(1000)}) {
    const std::string sealed = box.seal(plaintext, "totp:user:42");
    BOOST_TEST(sealed.size() == plaintext.size() + kOverhead);
    const auto opened = box.open(sealed, "totp:user:42");
    BOOST_TEST_REQUIRE(opened.has_value());
    BOOST_TEST(*opened == plaintext);
  }
}

BOOST_AUTO_TEST_CASE(ciphertext_hides_plaintext_and_nonces_differ) {
  const SecretBox box(kKey);
  const std::string plaintext = "the quick brown fox jumps";
  const std::string a = box.seal(plaintext, "ctx");
  const std::string b = box.seal(plaintext, "ctx");
  BOOST_TEST(a != b);
  BOOST_TEST(a.substr(0, 12) != b.substr(0, 12));
  BOOST_TEST(a.find(plaintext) == std::string::npos);
  BOOST_TEST(a.find("quick") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_context_or_key_does_not_open) {
  const SecretBox box(kKey);
  const std::string sealed = box.seal("seed", "totp:user:42");
  BOOST_TEST(!box.open(sealed, "totp:user:43").has_value());
  BOOST_TEST(!box.open(sealed, "").has_value());
  BOOST_TEST(!box.open(sealed, "totp:user:42 ").has_value());
  std::string other_key = kKey;
  other_key[0] ^= 1;
  BOOST_TEST(!SecretBox(other_key).open(sealed, "totp:user:42").has_value());
  BOOST_TEST(box.open(box.seal("seed", ""), "").value_or("-") == "seed");
}

BOOST_AUTO_TEST_CASE(any_flipped_bit_is_detected) {
  const SecretBox box(kKey);
  const std::string sealed = box.seal("12345", "ctx");
  // Nonce, ciphertext and tag: every bit of every byte.
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      BOOST_TEST(!box.open(tampered, "ctx").has_value(), "byte " << i << " bit " << bit);
    }
  }
  BOOST_TEST(box.open(sealed, "ctx").value_or("-") == "12345");
}

BOOST_AUTO_TEST_CASE(truncated_or_extended_input_is_rejected) {
  const SecretBox box(kKey);
  const std::string sealed = box.seal("12345", "ctx");
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    BOOST_TEST(!box.open(sealed.substr(0, n), "ctx").has_value(), "length " << n);
    BOOST_TEST(!box.open(sealed.substr(n + 1), "ctx").has_value(), "dropped " << n + 1);
  }
  BOOST_TEST(!box.open(sealed + "x", "ctx").has_value());
}

BOOST_AUTO_TEST_CASE(key_must_be_32_bytes) {
  BOOST_CHECK_THROW(SecretBox(std::string(31, 'k')), std::invalid_argument);
  BOOST_CHECK_THROW(SecretBox(std::string(33, 'k')), std::invalid_argument);
  BOOST_CHECK_THROW(SecretBox(""), std::invalid_argument);
  BOOST_CHECK_NO_THROW(SecretBox(std::string(32, 'k')));
}

BOOST_AUTO_TEST_SUITE_END()

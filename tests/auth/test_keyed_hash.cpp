#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "auth/keyed_hash.hpp"

using namespace latchkey::auth;

namespace {

std::string repeat(unsigned char byte, std::size_t n) {
  return std::string(n, static_cast<char>(byte));
}

const std::string kKey32 = "0123456789abcdef0123456789abcdef";

}  // namespace

BOOST_AUTO_TEST_SUITE(keyed_hash)

// RFC 4231 §4.2-§4.5 and §4.7-§4.8 (HMAC-SHA-256 column).
BOOST_AUTO_TEST_CASE(rfc4231_vectors) {
  std::string key4;
  for (int i = 1; i <= 25; ++i) key4.push_back(static_cast<char>(i));
  BOOST_TEST(to_hex(hmac_sha256(repeat(0x0b, 20), "Hi There")) ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_TEST(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  BOOST_TEST(to_hex(hmac_sha256(repeat(0xaa, 20), repeat(0xdd, 50))) ==
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  BOOST_TEST(to_hex(hmac_sha256(key4, repeat(0xcd, 50))) ==
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  // §4.6: truncated to 128 bits.
  BOOST_TEST(to_hex(hmac_sha256(repeat(0x0c, 20), "Test With Truncation")).substr(0, 32) ==
             "a3b6167473100ee06e0c796c2955552b");
}

BOOST_AUTO_TEST_CASE(rfc4231_long_key_vectors_through_keyed_hasher) {
  const KeyedHasher hasher(repeat(0xaa, 131));
  BOOST_TEST(to_hex(hasher.digest("Test Using Larger Than Block-Size Key - Hash Key First")) ==
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  BOOST_TEST(to_hex(hasher.digest(
                 "This is a test using a larger than block-size key and a larger than block-size "
                 "data. The key needs to be hashed before being used by the HMAC algorithm.")) ==
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

BOOST_AUTO_TEST_CASE(key_shorter_than_32_bytes_is_refused) {
  BOOST_CHECK_THROW(KeyedHasher(std::string(31, 'k')), std::invalid_argument);
  BOOST_CHECK_THROW(KeyedHasher(""), std::invalid_argument);
  BOOST_CHECK_NO_THROW(KeyedHasher(std::string(32, 'k')));
}

BOOST_AUTO_TEST_CASE(the_exception_does_not_carry_the_key) {
  const std::string key = "short-secret-pepper";
  try {
    KeyedHasher hasher(key);
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find(key) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(digest_matches_plain_hmac_under_the_same_key) {
  const KeyedHasher hasher(kKey32);
  BOOST_TEST(hasher.digest("message") == hmac_sha256(kKey32, "message"));
  BOOST_TEST(hasher.digest("message") != KeyedHasher(kKey32 + "x").digest("message"));
}

BOOST_AUTO_TEST_CASE(labelled_digest_is_hmac_of_label_nul_message) {
  const KeyedHasher hasher(kKey32);
  using namespace std::string_literals;
  BOOST_TEST(hasher.digest("app_password", "abc") == hmac_sha256(kKey32, "app_password\0abc"s));
  // Domain separation: the same message under another label, or no label, differs.
  BOOST_TEST(hasher.digest("app_password", "abc") != hasher.digest("cache", "abc"));
  BOOST_TEST(hasher.digest("app_password", "abc") != hasher.digest("app_passwordabc"));
  // The separator keeps the label/message boundary unambiguous.
  BOOST_TEST(hasher.digest("ab", "c") != hasher.digest("a", "bc"));
}

BOOST_AUTO_TEST_CASE(hex_is_lower_case_and_complete) {
  Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(i * 8 + 7);
  const std::string hex = to_hex(d);
  BOOST_TEST(hex.size() == 64u);
  BOOST_TEST(hex.substr(0, 6) == "070f17");
  BOOST_TEST(hex.substr(62) == "ff");
}

BOOST_AUTO_TEST_CASE(constant_time_equal_strings) {
  BOOST_TEST(constant_time_equal("", ""));
  BOOST_TEST(constant_time_equal("secret", "secret"));
  BOOST_TEST(!constant_time_equal("secret", "secreT"));
  BOOST_TEST(!constant_time_equal("Secret", "secret"));
  BOOST_TEST(!constant_time_equal("secret", "secret2"));
  BOOST_TEST(!constant_time_equal("", "x"));
  using namespace std::string_literals;
  BOOST_TEST(!constant_time_equal("a\0b"s, "a\0c"s));  // NUL does not end the comparison
}

BOOST_AUTO_TEST_CASE(constant_time_equal_digests) {
  const KeyedHasher hasher(kKey32);
  const Digest a = hasher.digest("one");
  Digest b = a;
  BOOST_TEST(constant_time_equal(a, b));
  for (std::size_t i = 0; i < b.size(); ++i) {
    Digest c = a;
    c[i] ^= 0x01;
    BOOST_TEST(!constant_time_equal(a, c));
  }
  BOOST_TEST(!constant_time_equal(a, hasher.digest("two")));
}

// Each thread keeps a keyed context per hasher and restarts it per digest: interleaving
// hashers (more of them than a thread keeps) and threads must never mix keys or messages.
BOOST_AUTO_TEST_CASE(interleaved_hashers_and_threads_keep_their_own_keys) {
  std::vector<KeyedHasher> hashers;
  for (int i = 0; i < 6; ++i) hashers.emplace_back(kKey32 + std::to_string(i));
  auto check = [&hashers](int rounds) {
    bool all_equal = true;
    for (int round = 0; round < rounds; ++round) {
      for (std::size_t i = 0; i < hashers.size(); ++i) {
        const std::string message = "m" + std::to_string(round % 3);
        all_equal = all_equal && hashers[i].digest("label", message) ==
                                     hmac_sha256(kKey32 + std::to_string(i),
                                                 std::string("label") + '\0' + message);
      }
    }
    return all_equal;
  };
  BOOST_TEST(check(5));
  bool in_threads[4] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { in_threads[t] = check(50); });
  for (auto& thread : threads) thread.join();
  for (bool ok : in_threads) BOOST_TEST(ok);
}

BOOST_AUTO_TEST_SUITE_END()

#include <argon2.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>
#include <vector>

#include "auth/password_hash.hpp"

using namespace latchkey::auth;

namespace {

// Small cost so the suite stays fast; the defaults are exercised by dummy_password_hash.
const Argon2Params kFast{1, 256, 1};

}  // namespace

BOOST_AUTO_TEST_SUITE(password_hash)

BOOST_AUTO_TEST_CASE(round_trip_and_wrong_password) {
  const std::string encoded = hash_password("correct horse battery staple", kFast);
  BOOST_TEST(verify_password(encoded, "correct horse battery staple"));
  BOOST_TEST(!verify_password(encoded, "correct horse battery stapler"));
  BOOST_TEST(!verify_password(encoded, "Correct horse battery staple"));
  BOOST_TEST(!verify_password(encoded, ""));
}

BOOST_AUTO_TEST_CASE(empty_and_binary_passwords) {
  const std::string empty = hash_password("", kFast);
  BOOST_TEST(verify_password(empty, ""));
  BOOST_TEST(!verify_password(empty, " "));
  using namespace std::string_literals;
  const std::string binary = hash_password("a\0b\xff"s, kFast);
  BOOST_TEST(verify_password(binary, "a\0b\xff"s));
  BOOST_TEST(!verify_password(binary, "a"));  // NUL does not truncate the password
}

BOOST_AUTO_TEST_CASE(phc_string_carries_parameters_and_salt) {
  const std::string encoded = hash_password("pw", Argon2Params{3, 512, 2});
  BOOST_TEST(encoded.rfind("$argon2id$v=19$m=512,t=3,p=2$", 0) == 0u, encoded);
  BOOST_TEST(encoded.find('\0') == std::string::npos);
  BOOST_TEST(verify_password(encoded, "pw"));
  // A fresh salt each time: equal passwords do not give equal hashes.
  BOOST_TEST(hash_password("pw", kFast) != hash_password("pw", kFast));
}

BOOST_AUTO_TEST_CASE(default_parameters_are_owasp_minimum) {
  const Argon2Params defaults;
  BOOST_TEST(defaults.memory_kib == 19u * 1024u);
  BOOST_TEST(defaults.time_cost == 2u);
  BOOST_TEST(defaults.parallelism == 1u);
}

BOOST_AUTO_TEST_CASE(invalid_parameters_throw_without_the_password) {
  const std::string secret = "hunter2-do-not-log";
  try {
    hash_password(secret, Argon2Params{0, 256, 1});  // t=0 is below Argon2's minimum
    BOOST_FAIL("expected an exception");
  } catch (const std::exception& e) {
    BOOST_TEST(std::string(e.what()).find(secret) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(malformed_encoded_strings_are_false_not_crashes) {
  const std::string good = hash_password("pw", kFast);
  std::vector<std::string> bad = {
      "",
      "garbage",
      "$argon2id$",
      "$argon2id$v=19$",
      "$argon2id$v=19$m=256,t=1,p=1$",
      "$argon2id$v=19$m=256,t=1,p=1$$",
      "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
      good.substr(0, good.size() - 5),                                 // truncated hash
      good.substr(0, good.rfind('$')),                                 // hash part missing
      "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  // bcrypt
  };
  std::string flipped = good;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  bad.push_back(flipped);
  std::string with_nul = good;
  with_nul.insert(10, 1, '\0');
  bad.push_back(with_nul);
  for (const std::string& encoded : bad) {
    BOOST_TEST(!verify_password(encoded, "pw"), "encoded: " << encoded);
  }
}

BOOST_AUTO_TEST_CASE(other_argon2_variants_are_not_accepted) {
  // A valid argon2i hash of the same password: only Argon2id is ours.
  const std::string salt = "0123456789abcdef";
  std::string encoded(argon2_encodedlen(1, 256, 1, 16, 32, Argon2_i), '\0');
  BOOST_TEST_REQUIRE(argon2i_hash_encoded(1, 256, 1, "pw", 2, salt.data(), salt.size(), 32,
                                          encoded.data(), encoded.size()) == ARGON2_OK);
  encoded.resize(encoded.find('\0'));
  BOOST_TEST_REQUIRE(argon2i_verify(encoded.c_str(), "pw", 2) == ARGON2_OK);
  BOOST_TEST(!verify_password(encoded, "pw"));
}

BOOST_AUTO_TEST_CASE(dummy_hash_is_built_once_with_default_cost) {
  std::vector<const std::string*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] { seen[i] = &dummy_password_hash(); });
  }
  for (auto& t : threads) t.join();
  for (const std::string* p : seen) BOOST_TEST(p == &dummy_password_hash());
  const std::string& dummy = dummy_password_hash();
  BOOST_TEST(dummy.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0u, dummy);
  BOOST_TEST(!verify_password(dummy, ""));
  BOOST_TEST(!verify_password(dummy, "password"));
}

BOOST_AUTO_TEST_CASE(verification_counter_counts_every_attempt) {
  const std::string encoded = hash_password("pw", kFast);
  const std::uint64_t before = password_verification_count();
  verify_password(encoded, "pw");
  verify_password(encoded, "wrong");
  verify_password("garbage", "pw");
  BOOST_TEST(password_verification_count() - before == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

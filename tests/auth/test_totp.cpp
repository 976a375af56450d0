#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/random.hpp"
#include "auth/totp.hpp"

using namespace latchkey::auth;

namespace {

const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

}  // namespace

BOOST_AUTO_TEST_SUITE(totp)

// RFC 4226 Appendix D.
BOOST_AUTO_TEST_CASE(rfc4226_hotp_values) {
  const std::vector<std::string> expected = {"755224", "287082", "359152", "969429", "338314",
                                             "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < expected.size(); ++counter) {
    BOOST_TEST(hotp_code(kSeed20, counter) == expected[counter], "counter " << counter);
  }
}

// RFC 6238 Appendix B, all three algorithms, 8 digits.
BOOST_AUTO_TEST_CASE(rfc6238_totp_table) {
  struct Row {
    std::int64_t time;
    std::string sha1, sha256, sha512;
  };
  const std::vector<Row> rows = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const Row& r : rows) {
    BOOST_TEST_CONTEXT("time " << r.time) {
      const auto step = static_cast<std::uint64_t>(totp_step(r.time));
      BOOST_TEST(hotp_code(kSeed20, step, 8, TotpAlgorithm::sha1) == r.sha1);
      BOOST_TEST(hotp_code(kSeed32, step, 8, TotpAlgorithm::sha256) == r.sha256);
      BOOST_TEST(hotp_code(kSeed64, step, 8, TotpAlgorithm::sha512) == r.sha512);
    }
  }
}

BOOST_AUTO_TEST_CASE(steps_are_30_seconds_floor) {
  BOOST_TEST(totp_step(0) == 0);
  BOOST_TEST(totp_step(29) == 0);
  BOOST_TEST(totp_step(30) == 1);
  BOOST_TEST(totp_step(59) == 1);
  BOOST_TEST(totp_step(1111111109) == 37037036);  // RFC 6238 Appendix B: 0x00000000023523EC
  BOOST_TEST(totp_step(-1) == -1);
  BOOST_TEST(totp_step(-30) == -1);
  BOOST_TEST(totp_step(-31) == -2);
}

BOOST_AUTO_TEST_CASE(digits_out_of_range_throw) {
  BOOST_CHECK_THROW(hotp_code(kSeed20, 0, 5), std::invalid_argument);
  BOOST_CHECK_THROW(hotp_code(kSeed20, 0, 10), std::invalid_argument);
  // The 6-digit code is the last 6 digits of the 8-digit one (same truncated value).
  BOOST_TEST(hotp_code(kSeed20, 1, 8).substr(2) == hotp_code(kSeed20, 1, 6));
}

BOOST_AUTO_TEST_CASE(verify_accepts_one_step_of_drift) {
  const std::int64_t now = 1'700'000'015;
  const std::int64_t step = totp_step(now);
  const auto code_at = [](std::int64_t s) {
    return hotp_code(kSeed20, static_cast<std::uint64_t>(s));
  };
  // The fixed seed gives distinct codes for these steps, so each test below is unambiguous.
  for (std::int64_t a = step - 2; a <= step + 2; ++a) {
    for (std::int64_t b = a + 1; b <= step + 2; ++b) BOOST_TEST_REQUIRE(code_at(a) != code_at(b));
  }
  BOOST_TEST(verify_totp(kSeed20, code_at(step - 1), now, std::nullopt).value_or(-1) == step - 1);
  BOOST_TEST(verify_totp(kSeed20, code_at(step), now, std::nullopt).value_or(-1) == step);
  BOOST_TEST(verify_totp(kSeed20, code_at(step + 1), now, std::nullopt).value_or(-1) == step + 1);
  BOOST_TEST(!verify_totp(kSeed20, code_at(step - 2), now, std::nullopt).has_value());
  BOOST_TEST(!verify_totp(kSeed20, code_at(step + 2), now, std::nullopt).has_value());
  // Another secret does not accept this code (checked to differ in the whole window).
  const std::string other = "abcdefghijabcdefghij";
  for (std::int64_t s = step - 1; s <= step + 1; ++s) {
    BOOST_TEST_REQUIRE(hotp_code(other, static_cast<std::uint64_t>(s)) != code_at(step));
  }
  BOOST_TEST(!verify_totp(other, code_at(step), now, std::nullopt).has_value());
}

BOOST_AUTO_TEST_CASE(verify_rejects_replays) {
  const std::int64_t now = 1'700'000'015;
  const std::int64_t step = totp_step(now);
  const auto code_at = [](std::int64_t s) {
    return hotp_code(kSeed20, static_cast<std::uint64_t>(s));
  };
  const auto accepted = verify_totp(kSeed20, code_at(step), now, std::nullopt);
  BOOST_TEST_REQUIRE(accepted.value_or(-1) == step);
  // The same code again, within the same window: refused.
  BOOST_TEST(!verify_totp(kSeed20, code_at(step), now, accepted).has_value());
  BOOST_TEST(!verify_totp(kSeed20, code_at(step), now + 20, accepted).has_value());
  // An older code after a newer one was accepted: refused.
  BOOST_TEST(!verify_totp(kSeed20, code_at(step - 1), now, accepted).has_value());
  // The next step's code still works once.
  BOOST_TEST(verify_totp(kSeed20, code_at(step + 1), now, accepted).value_or(-1) == step + 1);
  BOOST_TEST(!verify_totp(kSeed20, code_at(step + 1), now, step + 1).has_value());
}

BOOST_AUTO_TEST_CASE(verify_rejects_malformed_codes) {
  const std::int64_t now = 1'700'000'015;
  const std::string good = hotp_code(kSeed20, static_cast<std::uint64_t>(totp_step(now)));
  BOOST_TEST_REQUIRE(verify_totp(kSeed20, good, now, std::nullopt).has_value());
  for (const std::string& bad :
       {std::string(), good.substr(0, 5), good + "0", " " + good.substr(1), good.substr(0, 5) + "a",
        good + "\n", good.substr(0, 3) + " " + good.substr(4), std::string("-") + good.substr(1),
        hotp_code(kSeed20, static_cast<std::uint64_t>(totp_step(now)), 8)}) {
    BOOST_TEST(!verify_totp(kSeed20, bad, now, std::nullopt).has_value(), "code '" << bad << "'");
  }
}

// RFC 4648 §10 test vectors, without padding.
BOOST_AUTO_TEST_CASE(base32_rfc4648_vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base32_encode(plain) == encoded);
    BOOST_TEST(base32_decode(encoded).value_or("-") == plain);
  }
  // Padding, lower case and spaces are accepted on input.
  BOOST_TEST(base32_decode("MZXW6YQ=").value_or("-") == "foob");
  BOOST_TEST(base32_decode("MZXW6YTBOI======").value_or("-") == "foobar");
  BOOST_TEST(base32_decode("mzxw 6ytb oi").value_or("-") == "foobar");
}

BOOST_AUTO_TEST_CASE(base32_rejects_bad_input) {
  BOOST_TEST(!base32_decode("M").has_value());       // 1 symbol: not a byte
  BOOST_TEST(!base32_decode("MZX").has_value());     // 3 symbols
  BOOST_TEST(!base32_decode("MZXW6Y").has_value());  // 6 symbols
  BOOST_TEST(!base32_decode("MZ").has_value());      // non-zero leftover bits
  BOOST_TEST(!base32_decode("MY0A").has_value());    // '0' and '1', '8', '9' are not base32
  BOOST_TEST(!base32_decode("MY1A").has_value());
  BOOST_TEST(!base32_decode("MY8A").has_value());
  BOOST_TEST(!base32_decode("MZXW6YTB-OI").has_value());
}

BOOST_AUTO_TEST_CASE(base32_round_trip) {
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string bytes = random_bytes(n);
    const std::string encoded = base32_encode(bytes);
    BOOST_TEST(encoded.size() == (n * 8 + 4) / 5);
    BOOST_TEST(base32_decode(encoded).value_or("-") == bytes);
  }
}

BOOST_AUTO_TEST_CASE(otpauth_uri_encodes_the_username) {
  BOOST_TEST(otpauth_uri("a b@c", "foobar") ==
             "otpauth://totp/latchkey:a%20b%40c?secret=MZXW6YTBOI&issuer=latchkey"
             "&algorithm=SHA1&digits=6&period=30");
  BOOST_TEST(otpauth_uri("alice-1.x_y~z", "f") ==
             "otpauth://totp/latchkey:alice-1.x_y~z?secret=MY&issuer=latchkey"
             "&algorithm=SHA1&digits=6&period=30");
  const std::string tricky = otpauth_uri("x?secret=AAAA&issuer=evil#:/\xc3\xa9", "f");
  BOOST_TEST(tricky.find("latchkey:x%3Fsecret%3DAAAA%26issuer%3Devil%23%3A%2F%C3%A9?") !=
                 std::string::npos,
             tricky);
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <set>

#include "web/recovery_code.hpp"

using namespace latchkey::web;

BOOST_AUTO_TEST_SUITE(recovery_code)

BOOST_AUTO_TEST_CASE(generated_codes_are_two_groups_of_five_and_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string code = generate_recovery_code();
    BOOST_TEST_REQUIRE(code.size() == 11u);
    BOOST_TEST(code[5] == '-');
    for (std::size_t j = 0; j < code.size(); ++j) {
      if (j == 5) continue;
      BOOST_TEST(std::string_view("0123456789abcdefghjkmnpqrstvwxyz").find(code[j]) !=
                 std::string_view::npos);
    }
    BOOST_TEST(normalize_recovery_code(code).value() == code.substr(0, 5) + code.substr(6));
    seen.insert(code);
  }
  BOOST_TEST(seen.size() == 200u);
}

BOOST_AUTO_TEST_CASE(typing_variants_normalize_alike) {
  BOOST_TEST(normalize_recovery_code("ABCDE-FGHJK").value() == "abcdefghjk");
  BOOST_TEST(normalize_recovery_code("abcde fghjk").value() == "abcdefghjk");
  BOOST_TEST(normalize_recovery_code("abcdefghjk").value() == "abcdefghjk");
  BOOST_TEST(normalize_recovery_code("I0Lo0-12345").value() == "1010012345");
}

BOOST_AUTO_TEST_CASE(anything_else_is_no_recovery_code) {
  BOOST_TEST(!normalize_recovery_code("").has_value());
  BOOST_TEST(!normalize_recovery_code("abcde-fghj").has_value());
  BOOST_TEST(!normalize_recovery_code("abcde-fghjkm").has_value());
  BOOST_TEST(!normalize_recovery_code("abcde-fghju").has_value());  // u is not in the alphabet
  BOOST_TEST(!normalize_recovery_code("123456").has_value());
}

BOOST_AUTO_TEST_CASE(totp_codes_are_six_digits_spaces_allowed) {
  BOOST_TEST(normalize_totp_code("123456").value() == "123456");
  BOOST_TEST(normalize_totp_code("123 456").value() == "123456");
  BOOST_TEST(!normalize_totp_code("12345").has_value());
  BOOST_TEST(!normalize_totp_code("1234567").has_value());
  BOOST_TEST(!normalize_totp_code("12345a").has_value());
  BOOST_TEST(!normalize_totp_code("abcde-fghjk").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

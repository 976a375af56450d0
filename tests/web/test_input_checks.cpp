#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "web/input_checks.hpp"

using namespace latchkey::web;

BOOST_AUTO_TEST_SUITE(input_checks)

BOOST_AUTO_TEST_CASE(app_password_names_are_one_to_a_hundred_characters) {
  BOOST_TEST(!app_password_name_problem("YouTrack Mobile"));
  BOOST_TEST(!app_password_name_problem("x"));
  BOOST_TEST(!app_password_name_problem(std::string(100, 'n')));
  // Characters, not bytes: 100 two-byte letters are fine.
  std::string umlauts;
  for (int i = 0; i < 100; ++i) umlauts += "\xc3\xa4";
  BOOST_TEST(!app_password_name_problem(umlauts));
  BOOST_TEST(app_password_name_problem(std::string(101, 'n')).value().find("100") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(blank_broken_or_control_names_are_refused) {
  BOOST_TEST(app_password_name_problem("").has_value());
  BOOST_TEST(app_password_name_problem("   ").has_value());
  BOOST_TEST(app_password_name_problem("tab\there").has_value());
  BOOST_TEST(app_password_name_problem("bad \xff utf8").has_value());
}

BOOST_AUTO_TEST_CASE(new_passwords_need_eight_characters_of_clean_utf8) {
  BOOST_TEST(!new_password_problem("correct horse"));
  BOOST_TEST(new_password_problem("short").value().find("8") != std::string::npos);
  BOOST_TEST(new_password_problem("newline\nin it").has_value());
  BOOST_TEST(new_password_problem(std::string(1025, 'p')).has_value());
  BOOST_TEST(new_password_problem("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

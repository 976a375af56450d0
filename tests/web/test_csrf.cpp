#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "web/csrf.hpp"

using namespace latchkey::web;

BOOST_AUTO_TEST_SUITE(csrf)

BOOST_AUTO_TEST_CASE(only_reads_are_safe) {
  BOOST_TEST(!is_state_changing("GET"));
  BOOST_TEST(!is_state_changing("HEAD"));
  BOOST_TEST(is_state_changing("POST"));
  BOOST_TEST(is_state_changing("DELETE"));
  BOOST_TEST(is_state_changing("PUT"));
}

BOOST_AUTO_TEST_CASE(same_origin_and_scripts_pass) {
  BOOST_TEST(
      !cross_site_problem({"http://127.0.0.1:8080", "same-origin", "127.0.0.1:8080", false}));
  BOOST_TEST(!cross_site_problem({"https://t.example", "same-origin", "t.example", true}));
  // Behind a TLS terminator latchkey itself sees plain HTTP while the browser says https.
  BOOST_TEST(!cross_site_problem({"https://t.example", "same-origin", "t.example", false}));
  BOOST_TEST(!cross_site_problem({"", "", "t.example", true}));      // curl sends neither
  BOOST_TEST(!cross_site_problem({"", "none", "t.example", true}));  // typed by the user
}

BOOST_AUTO_TEST_CASE(other_sites_are_refused) {
  BOOST_TEST(cross_site_problem({"https://evil.example", "", "t.example", true}).value() ==
             "csrf_origin_mismatch");
  // A page served over http must not act for an https-only one, nor another port.
  BOOST_TEST(cross_site_problem({"http://t.example", "", "t.example", true}).has_value());
  BOOST_TEST(cross_site_problem({"https://t.example:444", "", "t.example", true}).has_value());
  BOOST_TEST(cross_site_problem({"null", "", "t.example", true}).has_value());
  BOOST_TEST(cross_site_problem({"", "cross-site", "t.example", true}).value() ==
             "csrf_cross_site");
  BOOST_TEST(cross_site_problem({"", "same-site", "t.example", true}).has_value());
  BOOST_TEST(cross_site_problem({"https://t.example", "", "", true}).has_value());
}

BOOST_AUTO_TEST_CASE(token_is_bound_to_the_session_and_compared_whole) {
  const latchkey::auth::KeyedHasher hasher(std::string(32, 'k'));
  const std::string token = csrf_token_for(hasher, "session-1");
  BOOST_TEST(token.size() == 64u);
  BOOST_TEST(token == csrf_token_for(hasher, "session-1"));
  BOOST_TEST(token != csrf_token_for(hasher, "session-2"));
  BOOST_TEST(csrf_token_matches(token, token));
  BOOST_TEST(!csrf_token_matches(token, token.substr(0, 63)));
  BOOST_TEST(!csrf_token_matches(token, ""));
  BOOST_TEST(!csrf_token_matches("", ""));
  std::string flipped = token;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  BOOST_TEST(!csrf_token_matches(token, flipped));
}

BOOST_AUTO_TEST_SUITE_END()

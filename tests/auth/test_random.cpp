#include <boost/test/unit_test.hpp>
#include <set>

#include "auth/random.hpp"

using namespace latchkey::auth;

BOOST_AUTO_TEST_SUITE(secure_random)

BOOST_AUTO_TEST_CASE(sizes) {
  BOOST_TEST(random_bytes(0).empty());
  BOOST_TEST(random_bytes(1).size() == 1u);
  BOOST_TEST(random_bytes(64).size() == 64u);
}

BOOST_AUTO_TEST_CASE(draws_differ_and_cover_byte_values) {
  std::set<std::string> draws;
  for (int i = 0; i < 100; ++i) draws.insert(random_bytes(16));
  BOOST_TEST(draws.size() == 100u);  // a repeat of 128 random bits would mean a broken source
  std::set<unsigned char> seen;
  for (unsigned char c : random_bytes(8192)) seen.insert(c);
  BOOST_TEST(seen.size() == 256u);
}

BOOST_AUTO_TEST_SUITE_END()

// How many connections an open-file limit carries: the number `latchkey serve` warns with when
// server.max_connections is above it.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "proxy/descriptor_budget.hpp"

using latchkey::proxy::connections_within;

BOOST_AUTO_TEST_SUITE(descriptor_budget)

BOOST_AUTO_TEST_CASE(each_connection_may_hold_four_descriptors_beyond_a_reserve) {
  BOOST_TEST(connections_within(1024) == 224u);      // the usual soft limit
  BOOST_TEST(connections_within(1'048'576) == 262'112u);
  BOOST_TEST(connections_within(40'128) == 10'000u);  // what the default max_connections needs
  BOOST_TEST(connections_within(128) == 0u);
  BOOST_TEST(connections_within(0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// How many connections an open-file limit carries: the number `latchkey serve` warns with when
// server.max_connections is above it.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "proxy/descriptor_budget.hpp"

using latchkey::proxy::connections_within;

BOOST_AUTO_TEST_SUITE(descriptor_budget)

BOOST_AUTO_TEST_CASE(each_connection_holds_two_descriptors_beyond_a_reserve) {
  BOOST_TEST(connections_within(1024) == 448u);      // the usual soft limit
  BOOST_TEST(connections_within(1'048'576) == 524'224u);
  BOOST_TEST(connections_within(20'128) == 10'000u);  // what the default max_connections needs
  BOOST_TEST(connections_within(128) == 0u);
  BOOST_TEST(connections_within(0) == 0u);
}

BOOST_AUTO_TEST_CASE(idle_pooled_upstream_connections_come_off_the_top) {
  BOOST_TEST(connections_within(20'128, 32) == 9'984u);  // one route, the default pool
  BOOST_TEST(connections_within(20'128 + 64, 64) == 10'000u);
  BOOST_TEST(connections_within(1000, 900) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

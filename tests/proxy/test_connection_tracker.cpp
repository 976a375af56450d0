// Admission under max_connections and the drain: which connections are told, and when the
// drained callback runs. Hooks run on an io_context, as on a connection's strand.
#define BOOST_TEST_DYN_LINK
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include "proxy/connection_tracker.hpp"

using latchkey::proxy::ConnectionTracker;

BOOST_AUTO_TEST_SUITE(connection_tracker)

BOOST_AUTO_TEST_CASE(admits_up_to_the_limit_and_again_after_one_leaves) {
  ConnectionTracker tracker;
  BOOST_TEST(tracker.try_admit(2));
  BOOST_TEST(tracker.try_admit(2));
  BOOST_TEST(!tracker.try_admit(2));
  BOOST_TEST(tracker.open() == 2u);
  tracker.leave();
  BOOST_TEST(tracker.try_admit(2));
}

BOOST_AUTO_TEST_CASE(drain_with_nothing_open_is_done_at_once) {
  ConnectionTracker tracker;
  int drained = 0;
  tracker.drain([&] { ++drained; });
  BOOST_TEST(tracker.draining());
  BOOST_TEST(drained == 1);
}

BOOST_AUTO_TEST_CASE(drain_tells_live_connections_and_completes_when_the_last_leaves) {
  boost::asio::io_context io;
  ConnectionTracker tracker;
  BOOST_TEST(tracker.try_admit(10));
  BOOST_TEST(tracker.try_admit(10));
  int told_a = 0;
  int told_b = 0;
  auto a = tracker.watch(io.get_executor(), [&] { ++told_a; });
  auto b = tracker.watch(io.get_executor(), [&] { ++told_b; });
  b->alive = false;  // b is ending on its strand: its hook must not run
  int drained = 0;
  tracker.drain([&] { ++drained; });
  BOOST_TEST(told_a == 0);  // hooks run on the connections' executors, not the caller's
  io.run();
  BOOST_TEST(told_a == 1);
  BOOST_TEST(told_b == 0);
  tracker.unwatch(a);
  tracker.unwatch(b);
  tracker.leave();
  BOOST_TEST(drained == 0);
  tracker.leave();
  BOOST_TEST(drained == 1);
  BOOST_TEST(tracker.open() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

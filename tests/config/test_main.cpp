#define BOOST_TEST_MODULE latchkey config
#include <boost/test/unit_test.hpp>

#define BOOST_TEST_MODULE latchkey db
#include <boost/test/unit_test.hpp>

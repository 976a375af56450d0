#define BOOST_TEST_MODULE latchkey cli
#include <boost/test/unit_test.hpp>

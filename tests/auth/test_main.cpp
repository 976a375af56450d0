#define BOOST_TEST_MODULE latchkey auth
#include <boost/test/unit_test.hpp>

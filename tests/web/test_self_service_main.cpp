#define BOOST_TEST_MODULE self_service
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

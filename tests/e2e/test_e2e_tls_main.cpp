#define BOOST_TEST_MODULE e2e_tls
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

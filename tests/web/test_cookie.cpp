#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "web/cookie.hpp"

using latchkey::web::cleared_cookie;
using latchkey::web::CookieScope;
using latchkey::web::cookie_repeated;
using latchkey::web::find_cookie;
using latchkey::web::session_cookie;
using latchkey::web::session_cookie_scope;

BOOST_AUTO_TEST_SUITE(cookie)

BOOST_AUTO_TEST_CASE(finds_the_named_cookie_among_others) {
  BOOST_TEST(find_cookie("a=1; latchkey_session=abc-_9; b=2", "latchkey_session").value() ==
             "abc-_9");
  BOOST_TEST(find_cookie("latchkey_session=x", "latchkey_session").value() == "x");
  BOOST_TEST(find_cookie("  latchkey_session = \"q\" ;", "latchkey_session").value() == "q");
}

// A copy planted with a more specific Path comes first (login CSRF): no copy is trusted.
BOOST_AUTO_TEST_CASE(a_repeated_cookie_is_nobodys_and_names_match_exactly) {
  BOOST_TEST(!find_cookie("s=1; s=2", "s").has_value());
  BOOST_TEST(!find_cookie("s=1; a=0; s=1", "s").has_value());
  BOOST_TEST(!find_cookie("s=; s=2", "s").has_value());
  BOOST_TEST(cookie_repeated("s=1; s=2", "s"));
  BOOST_TEST(cookie_repeated(" s = 1 ;s=\"2\"", "s"));
  BOOST_TEST(!cookie_repeated("s=1; xs=2; S=3", "s"));
  BOOST_TEST(!cookie_repeated("", "s"));
  BOOST_TEST(find_cookie("s=1; xs=2; S=3", "s").value() == "1");
  BOOST_TEST(!find_cookie("xs=1; S=2", "s").has_value());
  BOOST_TEST(!find_cookie("", "s").has_value());
  BOOST_TEST(!find_cookie("s; t", "s").has_value());
  BOOST_TEST(find_cookie("s=", "s").value().empty());
}

BOOST_AUTO_TEST_CASE(session_cookie_is_http_only_strict_and_scoped) {
  BOOST_TEST(session_cookie(session_cookie_scope(false, "/-/account/", false), "v") ==
             "latchkey_session=v; Path=/-/account/; HttpOnly; SameSite=Strict");
  BOOST_TEST(session_cookie(session_cookie_scope(false, "/-/account/", true), "v") ==
             "latchkey_session=v; Path=/-/account/; HttpOnly; SameSite=Strict; Secure");
  // No __Host- prefix without Secure: browsers would refuse the cookie.
  BOOST_TEST(session_cookie(session_cookie_scope(true, "/-/account/", false), "v") ==
             "latchkey_session=v; Path=/-/account/; HttpOnly; SameSite=Strict");
}

// On a host of its own, over TLS: a name no sibling subdomain or plain-HTTP page can set.
BOOST_AUTO_TEST_CASE(a_secure_cookie_on_the_pages_own_host_is_a_host_prefixed_one) {
  const CookieScope scope = session_cookie_scope(true, "/-/account/", true);
  BOOST_TEST(scope.name == "__Host-latchkey_session");
  BOOST_TEST(session_cookie(scope, "v") ==
             "__Host-latchkey_session=v; Path=/; HttpOnly; SameSite=Strict; Secure");
  BOOST_TEST(cleared_cookie(scope) ==
             "__Host-latchkey_session=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
}

BOOST_AUTO_TEST_CASE(cleared_cookie_expires_at_once) {
  BOOST_TEST(cleared_cookie(session_cookie_scope(false, "/a/", true)) ==
             "latchkey_session=; Path=/a/; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
}

BOOST_AUTO_TEST_SUITE_END()

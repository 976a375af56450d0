// The Cookie filter on raw field values: what an upstream would parse out of what is left.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <vector>

#include "proxy/cookie_filter.hpp"
#include "web/cookie.hpp"

using latchkey::proxy::filter_cookie_field;
using latchkey::proxy::kOwnSessionCookie;
using latchkey::proxy::same_cookie_name;

namespace {

using Names = std::vector<std::string>;

// The field as forwarded: "<unchanged>" when the filter kept it as it was.
std::string forwarded(std::string_view field, const Names& stripped) {
  const auto filtered = filter_cookie_field(field, stripped);
  return filtered ? *filtered : "<unchanged>";
}

struct Case {
  const char* field;
  Names stripped;
  const char* expected;
};

void check(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("field: " << c.field) {
      BOOST_TEST(forwarded(c.field, c.stripped) == c.expected);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cookie_filter)

BOOST_AUTO_TEST_CASE(own_session_cookie_is_the_one_the_self_service_page_sets) {
  // proxy/ cannot include web/; a rename there must not silently stop the stripping here.
  static_assert(kOwnSessionCookie == latchkey::web::kSessionCookie);
  static_assert(latchkey::proxy::kOwnHostSessionCookie == latchkey::web::kHostSessionCookie);
  BOOST_TEST(forwarded("latchkey_session=s", {}) == "");
  BOOST_TEST(forwarded("a=1; __Host-latchkey_session=s", {}) == "a=1");
}

BOOST_AUTO_TEST_CASE(fields_without_a_stripped_cookie_are_left_as_they_are) {
  check({
      {"a=1; b=2", {"JSESSIONID"}, "<unchanged>"},
      {"a=1;b=2;;  c=3 ;", {"JSESSIONID"}, "<unchanged>"},  // not even re-spaced
      {"", {"JSESSIONID"}, "<unchanged>"},
      {"JSESSIONIDX=1; XJSESSIONID=2", {"JSESSIONID"}, "<unchanged>"},
      {"latchkey_session2=x; my_latchkey_session=y", {}, "<unchanged>"},
  });
}

BOOST_AUTO_TEST_CASE(named_pairs_go_and_the_rest_keep_order_and_bytes) {
  check({
      {"a=1; JSESSIONID=stolen; b=2", {"JSESSIONID"}, "a=1; b=2"},
      {"JSESSIONID=stolen;a=1;b=\"x y\"", {"JSESSIONID"}, "a=1; b=\"x y\""},
      {"z=9; sid=1; y=8; csrf=2; x=7", {"sid", "csrf"}, "z=9; y=8; x=7"},
      {"a=1; JSESSIONID=one; JSESSIONID=two; b=2", {"JSESSIONID"}, "a=1; b=2"},
  });
}

BOOST_AUTO_TEST_CASE(spaces_and_tabs_around_pairs_and_names_do_not_hide_a_cookie) {
  check({
      {"  JSESSIONID = stolen ;\ta=1", {"JSESSIONID"}, "a=1"},
      {"a=1 ;\tJSESSIONID\t=x\t; b=2 ", {"JSESSIONID"}, "a=1; b=2"},
  });
}

BOOST_AUTO_TEST_CASE(quoted_values_are_kept_whole_and_quoted_stolen_ones_go) {
  check({
      {"q=\"a=b\"; sid=\"stolen value\"; r=\"s t\"", {"sid"}, "q=\"a=b\"; r=\"s t\""},
      {"sid=\"\"; a=\"\"", {"sid"}, "a=\"\""},
  });
}

BOOST_AUTO_TEST_CASE(a_name_that_is_a_prefix_of_another_strips_only_itself) {
  check({
      {"sid2=a; sid=b; xsid=c; sid_x=d", {"sid"}, "sid2=a; xsid=c; sid_x=d"},
      {"sid=b; sid2=a; sid22=c", {"sid2"}, "sid=b; sid22=c"},
      {"s=1; si=2", {"sid"}, "<unchanged>"},
  });
}

BOOST_AUTO_TEST_CASE(names_match_in_any_case) {
  // ASP.NET and ASP.NET Core read cookie names case-insensitively: jsessionid=x would be
  // their JSESSIONID.
  check({
      {"jsessionid=x; a=1; JSessionId=y", {"JSESSIONID"}, "a=1"},
      {"a=1; LATCHKEY_SESSION=s", {}, "a=1"},
      {"Sid=1; sid2=2", {"SID"}, "sid2=2"},
  });
}

BOOST_AUTO_TEST_CASE(spellings_that_upstreams_decode_to_the_name_are_stripped) {
  check({
      {"%4ASESSIONID=x; a=1", {"JSESSIONID"}, "a=1"},  // Rack 2 decodes names
      {"nc.session=x; nc session=y; nc_session=z; a=1", {"nc_session"}, "a=1"},  // PHP $_COOKIE
      {"JSESSIONID%=x; JSESSIONID%4=y", {"JSESSIONID"}, "<unchanged>"},          // no %XX, kept
  });
}

BOOST_AUTO_TEST_CASE(a_stolen_cookie_smuggled_after_a_comma_takes_its_pair_with_it) {
  // Legacy (RFC 2965) parsers read ',' as a separator too.
  check({
      {"a=1, JSESSIONID=stolen; b=2", {"JSESSIONID"}, "b=2"},
      {"a=1,JSESSIONID; b=2", {"JSESSIONID"}, "b=2"},
      {"list=x,y; b=2", {"JSESSIONID"}, "<unchanged>"},
      {"list=x,y; JSESSIONID=z", {"JSESSIONID"}, "list=x,y"},
  });
}

BOOST_AUTO_TEST_CASE(malformed_pairs_stay_unless_their_name_matches) {
  check({
      {"flag; JSESSIONID=x; =v; novalue=", {"JSESSIONID"}, "flag; =v; novalue="},
      {"JSESSIONID; a=1", {"JSESSIONID"}, "a=1"},
      {" JSESSIONID ;a", {"JSESSIONID"}, "a"},
  });
}

BOOST_AUTO_TEST_CASE(a_field_with_nothing_left_is_empty) {
  check({
      {"JSESSIONID=x", {"JSESSIONID"}, ""},
      {"JSESSIONID=x; ; latchkey_session=y;", {"JSESSIONID"}, ""},
      {";; sid=1 ;", {"sid"}, ""},
  });
}

BOOST_AUTO_TEST_CASE(own_session_cookie_goes_on_every_route) {
  check({
      {"a=1; latchkey_session=s; b=2", {}, "a=1; b=2"},
      {"a=1; latchkey_session=s; sid=2", {"sid"}, "a=1"},
      {"latchkey_session=s", {"JSESSIONID"}, ""},
  });
}

BOOST_AUTO_TEST_CASE(name_comparison) {
  BOOST_TEST(same_cookie_name("JSESSIONID", "JSESSIONID"));
  BOOST_TEST(same_cookie_name(" jsessionid\t", "JSESSIONID"));
  BOOST_TEST(same_cookie_name("%6a%53ESSIONID", "JSESSIONID"));
  BOOST_TEST(same_cookie_name("a.b c", "a_b_c"));
  BOOST_TEST(!same_cookie_name("JSESSIONI", "JSESSIONID"));
  BOOST_TEST(!same_cookie_name("JSESSIONIDD", "JSESSIONID"));
  BOOST_TEST(!same_cookie_name("", "JSESSIONID"));
  BOOST_TEST(!same_cookie_name("J SESSIONID", "JSESSIONID"));
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "proxy/form_body.hpp"

using latchkey::proxy::FormError;
using latchkey::proxy::FormFields;
using latchkey::proxy::is_form_content_type;
using latchkey::proxy::parse_form;

namespace {

FormFields fields(std::string_view body) {
  auto parsed = parse_form(body);
  BOOST_REQUIRE(std::holds_alternative<FormFields>(parsed));
  return std::get<FormFields>(parsed);
}

std::string error(std::string_view body) {
  auto parsed = parse_form(body);
  BOOST_REQUIRE(std::holds_alternative<FormError>(parsed));
  return std::get<FormError>(parsed).description;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(form_body)

BOOST_AUTO_TEST_CASE(decodes_percent_escapes_and_plus_as_space) {
  const auto f = fields("grant_type=password&username=al%69ce&password=a+b%2Bc%3D%26&scope=x%3Ay");
  BOOST_TEST(*f.get("grant_type") == "password");
  BOOST_TEST(*f.get("username") == "alice");
  BOOST_TEST(*f.get("password") == "a b+c=&");
  BOOST_TEST(*f.get("scope") == "x:y");
  BOOST_TEST(!f.get("client_id"));
}

BOOST_AUTO_TEST_CASE(names_are_decoded_too_and_lowercase_hex_works) {
  const auto f = fields("user%6eame=bob&x=%c3%a9");
  BOOST_TEST(*f.get("username") == "bob");
  BOOST_TEST(*f.get("x") == "\xc3\xa9");
}

BOOST_AUTO_TEST_CASE(parameters_without_value_count_as_omitted) {
  const auto f = fields("grant_type=password&scope=&client_id&&");
  BOOST_TEST(!f.get("scope"));  // RFC 6749 §3.1
  BOOST_TEST(!f.get("client_id"));
  BOOST_TEST(f.values.size() == 1u);
  BOOST_TEST(fields("").values.empty());
}

BOOST_AUTO_TEST_CASE(duplicate_parameters_are_refused_naming_the_parameter) {
  BOOST_TEST(error("grant_type=password&grant_type=refresh_token") ==
             "the parameter \"grant_type\" is given more than once");
  // An empty copy is still a copy (§3.1 "MUST NOT be included more than once").
  BOOST_TEST(error("scope=&scope=a").find("\"scope\"") != std::string::npos);
  BOOST_TEST(error("a=1&%61=2").find("\"a\"") != std::string::npos);  // after decoding
}

BOOST_AUTO_TEST_CASE(malformed_escapes_and_nameless_pairs_are_refused) {
  BOOST_TEST(error("a=%zz") == "the request body is not valid form encoding");
  BOOST_TEST(error("a=%4") == "the request body is not valid form encoding");
  BOOST_TEST(error("a=%") == "the request body is not valid form encoding");
  BOOST_TEST(error("=x") == "the request body has a parameter without a name");
}

BOOST_AUTO_TEST_CASE(messages_never_echo_control_characters) {
  const std::string description = error("a%0Ab=1&a%0Ab=2");
  BOOST_TEST(description.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(content_type_match_ignores_case_and_parameters) {
  BOOST_TEST(is_form_content_type("application/x-www-form-urlencoded"));
  BOOST_TEST(is_form_content_type("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
  BOOST_TEST(!is_form_content_type("application/json"));
  BOOST_TEST(!is_form_content_type(""));
  BOOST_TEST(!is_form_content_type("multipart/form-data"));
}

BOOST_AUTO_TEST_SUITE_END()

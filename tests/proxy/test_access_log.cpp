#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include "proxy/access_log.hpp"

namespace json = boost::json;
using latchkey::proxy::AccessRecord;
using latchkey::proxy::format_access_line;

namespace {

AccessRecord served() {
  AccessRecord record;
  record.client = "192.0.2.7";
  record.route = "wiki";
  record.method = "GET";
  record.path = "/pages/Start";
  record.status = 200;
  record.user = "alice";
  record.app_password = "Phone";
  record.credential = "app_password";
  record.cached = true;
  record.bytes_in = 12;
  record.bytes_out = 3456;
  return record;
}

json::object parsed(const AccessRecord& record, std::chrono::microseconds took) {
  const std::string line =
      format_access_line(record, record.started + took, "2026-11-28T04:05:22.123Z");
  BOOST_TEST(line.find('\n') == std::string::npos);  // one record, one line
  return json::parse(line).as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(access_log)

BOOST_AUTO_TEST_CASE(a_served_request_is_one_json_object_with_every_field) {
  const json::object line = parsed(served(), std::chrono::microseconds(1234));
  BOOST_TEST(line.at("time").as_string() == "2026-11-28T04:05:22.123Z");
  BOOST_TEST(line.at("type").as_string() == "access");
  BOOST_TEST(line.at("client").as_string() == "192.0.2.7");
  BOOST_TEST(line.at("route").as_string() == "wiki");
  BOOST_TEST(line.at("method").as_string() == "GET");
  BOOST_TEST(line.at("path").as_string() == "/pages/Start");
  BOOST_TEST(line.at("status").as_int64() == 200);
  BOOST_TEST(line.at("user").as_string() == "alice");
  BOOST_TEST(line.at("app_password").as_string() == "Phone");
  BOOST_TEST(line.at("credential").as_string() == "app_password");
  BOOST_TEST(line.at("cached").as_bool() == true);
  BOOST_TEST(line.at("latency_us").as_int64() == 1234);
  BOOST_TEST(line.at("bytes_in").as_int64() == 12);
  BOOST_TEST(line.at("bytes_out").as_int64() == 3456);
  // Optional fields appear only when set.
  BOOST_TEST(!line.contains("reason"));
  BOOST_TEST(!line.contains("token"));
}

BOOST_AUTO_TEST_CASE(a_refusal_carries_its_reason_and_token_name) {
  AccessRecord record = served();
  record.status = 401;
  record.reason = "bad_token";
  record.token = "ci-bot";
  record.cached = false;
  const json::object line = parsed(record, std::chrono::microseconds(0));
  BOOST_TEST(line.at("reason").as_string() == "bad_token");
  BOOST_TEST(line.at("token").as_string() == "ci-bot");
  BOOST_TEST(line.at("cached").as_bool() == false);
}

// Paths and usernames come from the client: quotes, backslashes and control characters
// must not break the line or forge fields.
BOOST_AUTO_TEST_CASE(client_text_is_escaped_so_it_cannot_forge_fields) {
  AccessRecord record = served();
  record.path = "/a\"b\\c\x01\x1f\x7f/\xc3\xa9";
  record.user = "mallory\",\"user\":\"admin";
  const json::object line = parsed(record, std::chrono::microseconds(5));
  BOOST_TEST(line.at("path").as_string() == "/a\"b\\c\x01\x1f\x7f/\xc3\xa9");
  BOOST_TEST(line.at("user").as_string() == "mallory\",\"user\":\"admin");
  BOOST_TEST(line.size() == 14u);  // no field was added by the text above
}

BOOST_AUTO_TEST_SUITE_END()

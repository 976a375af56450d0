#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include <unistd.h>

#include <cstdio>
#include <thread>

#include "proxy/access_log.hpp"
#include "proxy/log_sink.hpp"

namespace json = boost::json;
using latchkey::proxy::AccessRecord;
using latchkey::proxy::format_access_line;
using latchkey::proxy::kMaxLoggedPathBytes;
using latchkey::proxy::LogSink;
using latchkey::proxy::path_for_log;

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

// A flood of long paths must not make each queued line as long: the path is cut, between
// UTF-8 sequences, and the query never logged.
BOOST_AUTO_TEST_CASE(logged_paths_are_bounded_and_stay_valid_utf8) {
  BOOST_TEST(path_for_log("/a/b?token=secret") == "/a/b");
  const std::string e_acute = "\xc3\xa9";
  std::string long_path = "/" + std::string(kMaxLoggedPathBytes - 2, 'x') + e_acute + "tail";
  const std::string cut = path_for_log(long_path);
  BOOST_TEST(cut.size() <= kMaxLoggedPathBytes);
  BOOST_TEST(cut == "/" + std::string(kMaxLoggedPathBytes - 2, 'x'));  // no half of the é
  AccessRecord record = served();
  record.path = path_for_log(long_path + std::string(100'000, 'y'));
  BOOST_TEST(parsed(record, std::chrono::microseconds(1)).at("path").as_string().size() <=
             kMaxLoggedPathBytes);
}

// A stalled reader of the log (a full pipe) must not grow the proxy's memory: past the byte
// bound lines are dropped and counted, and the sink still ends once the reader drains.
BOOST_AUTO_TEST_CASE(a_stalled_log_reader_costs_a_bounded_queue) {
  int fds[2];
  BOOST_TEST_REQUIRE(::pipe(fds) == 0);
  std::FILE* out = ::fdopen(fds[1], "w");
  BOOST_TEST_REQUIRE(out != nullptr);
  std::size_t dropped = 0;
  std::thread reader;
  {
    LogSink sink(out, 1'000'000, 4 * 1024 * 1024);
    const std::string line(256 * 1024, 'l');
    for (int i = 0; i < 200; ++i) sink.write(line);  // 50 MB against a 64 KB pipe nobody reads
    dropped = sink.dropped();
    reader = std::thread([fd = fds[0]] {  // now the sink may write out its queue and end
      char buffer[65536];
      while (::read(fd, buffer, sizeof buffer) > 0) {
      }
    });
  }
  std::fclose(out);
  reader.join();
  ::close(fds[0]);
  // At most 4 MiB queued, one batch in the writer's hands, one line in the pipe's buffer.
  BOOST_TEST(dropped >= 200u - 2 * 16u - 2u);
}

BOOST_AUTO_TEST_SUITE_END()

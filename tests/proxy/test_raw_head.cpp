// The raw-byte scan of a message head: where it ends, and what is refused before parsing.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "proxy/raw_head.hpp"

using latchkey::proxy::scan_raw_head;
using namespace std::string_literals;

namespace {

struct Case {
  std::string name;
  std::string bytes;
  std::string expected;  // a reason, "end N" or "incomplete"
};

std::string outcome(const std::string& bytes) {
  const auto scan = scan_raw_head(bytes);
  if (scan.problem) return std::string(*scan.problem);
  if (scan.end == std::string_view::npos) return "incomplete";
  return "end " + std::to_string(scan.end);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(raw_head)

BOOST_AUTO_TEST_CASE(table) {
  const std::vector<Case> cases{
      {"complete head", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "end 27"},
      {"body bytes after the head are not scanned", "GET / HTTP/1.1\r\nHost: x\r\n\r\n\n\0"s,
       "end 27"},
      {"partial head", "GET / HTTP/1.1\r\nHost: x\r\n", "incomplete"},
      {"CR at the end may still be followed by LF", "GET / HTTP/1.1\r", "incomplete"},
      {"obs-fold with space", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", "obs_fold"},
      {"obs-fold with tab", "GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n", "obs_fold"},
      {"whitespace before the first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", "obs_fold"},
      {"bare LF line ends", "GET / HTTP/1.1\nHost: x\n\n", "bare_lf"},
      {"one bare LF among CRLFs", "GET / HTTP/1.1\r\nHost: x\nA: b\r\n\r\n", "bare_lf"},
      {"bare CR inside a line", "GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n", "bare_cr"},
      {"NUL in a value", "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n"s, "nul_in_head"},
      {"control character", "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", "control_character_in_head"},
      {"DEL", "GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n", "control_character_in_head"},
      {"tab inside a value is fine", "GET / HTTP/1.1\r\nA: b\tc\r\n\r\n", "end 26"},
      {"obs-text is fine", "GET / HTTP/1.1\r\nA: \xe9t\xe9\r\n\r\n", "end 26"},
      {"response head", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "end 38"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(outcome(c.bytes) == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(leading_empty_lines_are_whole_crlfs_only) {
  using latchkey::proxy::leading_empty_lines;
  BOOST_TEST(leading_empty_lines("GET / HTTP/1.1\r\n") == 0u);
  BOOST_TEST(leading_empty_lines("\r\nGET /") == 2u);
  BOOST_TEST(leading_empty_lines("\r\n\r\n\r\nGET /") == 6u);
  BOOST_TEST(leading_empty_lines("\r\n\r") == 2u);  // the second one is not whole yet
  BOOST_TEST(leading_empty_lines("\nGET /") == 0u);   // a bare LF is not an empty line
  BOOST_TEST(leading_empty_lines("") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

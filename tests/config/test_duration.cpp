#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>

#include "config/config.hpp"

using latchkey::config::Duration;
using latchkey::config::parse_duration;

BOOST_AUTO_TEST_SUITE(duration)

BOOST_AUTO_TEST_CASE(accepts_whole_numbers_with_a_unit) {
  const struct {
    std::string text;
    long long ms;
  } cases[] = {
      {"250ms", 250},
      {"5s", 5'000},
      {"2m", 120'000},
      {"1h", 3'600'000},
      {"0s", 0},
      {"0ms", 0},
      {"007s", 7'000},
      {"24h", 86'400'000},
      {"1440m", 86'400'000},
      {"86400s", 86'400'000},
      {"86400000ms", 86'400'000},
      {"1ms", 1},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      const auto parsed = parse_duration(c.text);
      BOOST_TEST_REQUIRE(parsed.has_value());
      BOOST_TEST(parsed->count() == c.ms);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejects_everything_else) {
  const std::string cases[] = {
      "",      "10",  "0",   "s",          "ms",    "-5s",    "+5s",
      "1.5s",  "5 s", " 5s", "5s ",        "5S",    "5sec",   "5us",
      "1h30m", "5d",  "25h", "86400001ms", "1441m", "86401s", "99999999999999h",
      "0x10s", "５s",
  };
  for (const auto& text : cases) {
    BOOST_TEST_CONTEXT('"' << text << '"') {
      BOOST_TEST(!parse_duration(text).has_value());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

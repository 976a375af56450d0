#include <algorithm>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"
#include "config/values.hpp"

namespace latchkey::config {
namespace {

constexpr std::int64_t kMaxDurationMs = 24LL * 60 * 60 * 1000;
// More digits than this cannot be under 24h in any unit, and cannot overflow int64 either.
constexpr std::size_t kMaxDigits = 12;

struct Split {
  std::string_view digits;
  std::string_view unit;
};

Split split_number(std::string_view text) {
  const auto count = std::min(text.find_first_not_of("0123456789"), text.size());
  return {text.substr(0, count), text.substr(count)};
}

std::optional<std::int64_t> unit_ms(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1'000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  return std::nullopt;
}

// Milliseconds for well-formed text, regardless of the 24h limit.
std::optional<std::int64_t> unbounded_ms(std::string_view text) {
  const auto [digits, unit] = split_number(text);
  const auto scale = unit_ms(unit);
  if (digits.empty() || digits.size() > kMaxDigits || !scale) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value * *scale;
}

}  // namespace

std::optional<Duration> parse_duration(const std::string& text) {
  const auto ms = unbounded_ms(text);
  if (!ms || *ms > kMaxDurationMs) return std::nullopt;
  return Duration{*ms};
}

namespace detail {

bool is_well_formed_duration(std::string_view text) {
  const auto [digits, unit] = split_number(text);
  return !digits.empty() && unit_ms(unit).has_value();
}

std::string duration_problem(std::string_view text, std::string_view shown) {
  const auto [digits, unit] = split_number(text);
  if (!digits.empty() && unit.empty()) {
    return std::string(shown) + " needs a unit: ms, s, m or h";
  }
  return std::string(shown) +
         " is not a duration: use a whole number and ms, s, m or h, like 250ms or 5s";
}

}  // namespace detail
}  // namespace latchkey::config

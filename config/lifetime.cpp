// Credential lifetimes ("90d"): longer than parse_duration's 24h, and no milliseconds.
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

namespace latchkey::config {
namespace {
constexpr std::int64_t kDayMs = 24LL * 3'600'000;
constexpr std::int64_t kMaxLifetimeMs = 3650 * kDayMs;  // ten years
}  // namespace

std::optional<Duration> parse_lifetime(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 10) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "s") scale = 1'000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (unit == "d") scale = kDayMs;
  if (scale == 0) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text.substr(0, digits)) value = value * 10 + (c - '0');
  if (value == 0 || value > kMaxLifetimeMs / scale) return std::nullopt;
  return Duration{value * scale};
}

}  // namespace latchkey::config

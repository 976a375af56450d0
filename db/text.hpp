// Making untrusted bytes (HTTP headers) safe to store in a UTF-8 text column.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::db {

bool is_valid_utf8(std::string_view text);

// Valid UTF-8 of at most `max_bytes` bytes: invalid bytes and control characters become
// '?', and truncation never splits a character. PostgreSQL would refuse the whole batch
// over one bad byte.
std::string sanitize_text(std::string_view text, std::size_t max_bytes);

// A PostgreSQL array literal of `items`, e.g. {"a","b\"c"}, for one bound text[] parameter
// that carries many values: every element is quoted, and '"' and '\' are escaped.
std::string text_array_literal(const std::vector<std::string>& items);

// Lower-case hex of raw bytes, the form in which bytea values cross the SQL boundary.
std::string hex_encode(std::string_view bytes);
template <std::size_t N>
std::string hex_encode(const std::array<std::uint8_t, N>& bytes) {
  return hex_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}
// Inverse of hex_encode; throws std::invalid_argument on anything but pairs of hex digits.
std::string hex_decode(std::string_view hex);

}  // namespace latchkey::db

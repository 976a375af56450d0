// HMAC-SHA-256 under the server pepper, for high-entropy secrets, and constant-time compare.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey::auth {

using Digest = std::array<std::uint8_t, 32>;

class KeyedHasher {
 public:
  explicit KeyedHasher(std::string key);  // throws std::invalid_argument when key < 32 bytes
  Digest digest(std::string_view message) const;
  // Domain-separated digest: HMAC(key, label || 0x00 || message).
  Digest digest(std::string_view label, std::string_view message) const;

 private:
  std::string key_;
  std::uint64_t id_;  // names this key's per-thread MAC contexts (copies share them)
};

// Plain HMAC-SHA-256 with any key length (RFC 2104); KeyedHasher adds the key-length rule.
Digest hmac_sha256(std::string_view key, std::string_view message);

std::string to_hex(const Digest& d);
bool constant_time_equal(std::string_view a, std::string_view b);  // length leaks, content does not
bool constant_time_equal(const Digest& a, const Digest& b);

}  // namespace latchkey::auth

#include "auth/password_hash.hpp"

#include <argon2.h>
#include <openssl/crypto.h>

#include <atomic>
#include <limits>
#include <stdexcept>

#include "auth/random.hpp"

namespace latchkey::auth {
namespace {

constexpr std::size_t kSaltBytes = 16;  // RFC 9106 §3.1: 128-bit salt
constexpr std::size_t kHashBytes = 32;  // RFC 9106 §4: 256-bit tag
constexpr std::string_view kArgon2idPrefix = "$argon2id$";

std::atomic<std::uint64_t> verification_count{0};

}  // namespace

std::string hash_password(std::string_view password, const Argon2Params& params) {
  if (password.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("password too long");
  }
  const std::string salt = random_bytes(kSaltBytes);
  const std::size_t encoded_len =
      argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                        static_cast<std::uint32_t>(salt.size()), kHashBytes, Argon2_id);
  std::string encoded(encoded_len, '\0');
  const int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    // argon2_error_message describes the parameter problem; it never contains the input.
    throw std::runtime_error(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));  // argon2_encodedlen counts the terminator
  return encoded;
}

bool verify_password(std::string_view encoded, std::string_view password) {
  verification_count.fetch_add(1, std::memory_order_relaxed);
  // Only Argon2id is ours; anything else (argon2i, bcrypt, garbage) is a mismatch, not a crash.
  if (encoded.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) return false;
  if (encoded.find('\0') != std::string_view::npos) return false;
  if (password.size() > std::numeric_limits<std::uint32_t>::max()) return false;
  const std::string terminated(encoded);  // argon2id_verify wants a C string
  // argon2id_verify re-hashes and compares the tags in constant time.
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& dummy_password_hash() {
  // Built on first use (thread-safe static); same default parameters as real hashes so an
  // unknown user costs what a known one does.
  static const std::string hash = [] {
    std::string password = random_bytes(32);
    std::string h = hash_password(password);
    OPENSSL_cleanse(password.data(), password.size());
    return h;
  }();
  return hash;
}

std::uint64_t password_verification_count() {
  return verification_count.load(std::memory_order_relaxed);
}

}  // namespace latchkey::auth

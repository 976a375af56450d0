#include "auth/keyed_hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>

namespace latchkey::auth {
namespace {

constexpr std::size_t kMinKeyBytes = 32;  // the pepper is as long as the HMAC-SHA-256 output

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

// Fetched once: EVP_MAC objects are reference-counted and safe to share between threads.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) throw std::runtime_error("HMAC is not available in OpenSSL");
    return m;
  }();
  return mac;
}

Digest hmac_sha256_parts(std::string_view key, std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  if (!ctx) throw std::runtime_error("EVP_MAC_CTX_new failed");
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // A zero-length key still needs a valid pointer for EVP_MAC_init to treat it as a key.
  static const unsigned char kNoKey = 0;
  const auto* key_bytes =
      key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1) {
    throw std::runtime_error("EVP_MAC_init failed");
  }
  for (std::string_view part : parts) {
    if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                       part.size()) != 1) {
      throw std::runtime_error("EVP_MAC_update failed");
    }
  }
  Digest out{};
  std::size_t out_len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    throw std::runtime_error("EVP_MAC_final failed");
  }
  return out;
}

}  // namespace

Digest hmac_sha256(std::string_view key, std::string_view message) {
  return hmac_sha256_parts(key, {message});
}

KeyedHasher::KeyedHasher(std::string key) : key_(std::move(key)) {
  if (key_.size() < kMinKeyBytes) {
    // The message names the rule, never the key.
    throw std::invalid_argument("keyed hash key must be at least 32 bytes");
  }
}

Digest KeyedHasher::digest(std::string_view message) const {
  return hmac_sha256_parts(key_, {message});
}

Digest KeyedHasher::digest(std::string_view label, std::string_view message) const {
  // The 0x00 separator keeps ("ab", "c") and ("a", "bc") apart; labels never contain NUL.
  static constexpr char kSeparator = '\0';
  return hmac_sha256_parts(key_, {label, std::string_view(&kSeparator, 1), message});
}

std::string to_hex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (std::uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace latchkey::auth

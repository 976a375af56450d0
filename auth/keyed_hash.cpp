#include "auth/keyed_hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

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

using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

MacCtx keyed_context(std::string_view key) {
  MacCtx ctx(EVP_MAC_CTX_new(hmac_algorithm()));
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
  return ctx;
}

Digest finish(EVP_MAC_CTX* ctx, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) {
    if (EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) !=
        1) {
      throw std::runtime_error("EVP_MAC_update failed");
    }
  }
  Digest out{};
  std::size_t out_len = 0;
  if (EVP_MAC_final(ctx, out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    throw std::runtime_error("EVP_MAC_final failed");
  }
  return out;
}

Digest hmac_sha256_parts(std::string_view key, std::initializer_list<std::string_view> parts) {
  return finish(keyed_context(key).get(), parts);
}

std::atomic<std::uint64_t> next_hasher_id{1};

// A hasher's context on this thread, keyed once and restarted per digest: fetching SHA-256
// and deriving the pads for every digest cost more than the digest itself (one per request,
// for the cache key). Contexts are never shared between threads.
EVP_MAC_CTX* thread_context(std::uint64_t id, std::string_view key) {
  thread_local std::vector<std::pair<std::uint64_t, MacCtx>> contexts;
  for (auto& [owner, ctx] : contexts) {
    if (owner != id) continue;
    // No key: HMAC starts over with the key it holds.
    if (EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) != 1) {
      throw std::runtime_error("EVP_MAC_init failed");
    }
    return ctx.get();
  }
  // A process has one or two hashers; tests make many: keep a few, not one per hasher made.
  if (contexts.size() >= 4) contexts.clear();
  contexts.emplace_back(id, keyed_context(key));
  return contexts.back().second.get();
}

}  // namespace

Digest hmac_sha256(std::string_view key, std::string_view message) {
  return hmac_sha256_parts(key, {message});
}

KeyedHasher::KeyedHasher(std::string key) : key_(std::move(key)), id_(next_hasher_id++) {
  if (key_.size() < kMinKeyBytes) {
    // The message names the rule, never the key.
    throw std::invalid_argument("keyed hash key must be at least 32 bytes");
  }
}

Digest KeyedHasher::digest(std::string_view message) const {
  return finish(thread_context(id_, key_), {message});
}

Digest KeyedHasher::digest(std::string_view label, std::string_view message) const {
  // The 0x00 separator keeps ("ab", "c") and ("a", "bc") apart; labels never contain NUL.
  static constexpr char kSeparator = '\0';
  return finish(thread_context(id_, key_), {label, std::string_view(&kSeparator, 1), message});
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

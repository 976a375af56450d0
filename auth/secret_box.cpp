#include "auth/secret_box.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <stdexcept>

#include "auth/random.hpp"

namespace latchkey::auth {
namespace {

constexpr std::size_t kKeyBytes = 32;    // AES-256
constexpr std::size_t kNonceBytes = 12;  // NIST SP 800-38D §8.2: 96-bit IV, random
constexpr std::size_t kTagBytes = 16;    // full-length tag

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool fits_int(std::size_t n) {
  return n <= static_cast<std::size_t>(INT_MAX) - kTagBytes;
}

}  // namespace

SecretBox::SecretBox(std::string key) : key_(std::move(key)) {
  if (key_.size() != kKeyBytes) {
    throw std::invalid_argument("secret box key must be exactly 32 bytes");
  }
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view context) const {
  if (!fits_int(plaintext.size()) || !fits_int(context.size())) {
    throw std::length_error("secret box input too large");
  }
  const std::string nonce = random_bytes(kNonceBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), bytes(nonce)) == 1 &&
            // AAD binds the ciphertext to its row: a value copied elsewhere fails to open.
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                              static_cast<int>(context.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out_bytes + kNonceBytes, &len, bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1;
  int final_len = 0;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), out_bytes + kNonceBytes + len, &final_len) == 1 &&
       static_cast<std::size_t>(len + final_len) == plaintext.size() &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                           out_bytes + kNonceBytes + plaintext.size()) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    throw std::runtime_error("AES-256-GCM seal failed");
  }
  out.replace(0, kNonceBytes, nonce);
  return out;
}

std::optional<std::string> SecretBox::open(std::string_view sealed,
                                           std::string_view context) const {
  if (sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  if (!fits_int(sealed.size()) || !fits_int(context.size())) return std::nullopt;
  const std::string_view nonce = sealed.substr(0, kNonceBytes);
  const std::string_view ciphertext =
      sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; give it a copy.
  std::string tag(sealed.substr(sealed.size() - kTagBytes));

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return std::nullopt;
  std::string plaintext(ciphertext.size(), '\0');
  auto* plain_bytes = reinterpret_cast<unsigned char*>(plaintext.data());
  int len = 0;
  int final_len = 0;
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                        static_cast<int>(context.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), plain_bytes, &len, bytes(ciphertext),
                        static_cast<int>(ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      // The tag is checked here; until then the plaintext is unauthenticated and unusable.
      EVP_DecryptFinal_ex(ctx.get(), plain_bytes + len, &final_len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return plaintext;
}

}  // namespace latchkey::auth

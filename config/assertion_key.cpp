// Whether a key file holds what its assertion's alg needs. Checked at load so check-config
// names the problem; the proxy parses the same bytes again into its signing key.
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <memory>

#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr std::size_t kMinHmacSecretBytes = 32;  // RFC 7518 §3.2: at least the hash size

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};

// Never prompt on a terminal for a passphrase: an encrypted key is refused instead.
int refuse_passphrase(char*, int, int, void*) {
  return -1;
}

bool is_p256(const EVP_PKEY* key) {
  std::array<char, 64> name{};
  std::size_t length = 0;
  return EVP_PKEY_is_a(key, "EC") == 1 &&
         EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                        &length) == 1 &&
         std::string_view(name.data(), length) == "prime256v1";
}

}  // namespace

std::optional<std::string> assertion_key_problem(AssertionAlgorithm alg,
                                                 std::string_view material) {
  if (alg == AssertionAlgorithm::hs256) {
    if (material.size() < kMinHmacSecretBytes) {
      return "holds fewer than 32 bytes; an HS256 secret must be at least 32 bytes long";
    }
    return std::nullopt;
  }
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(material.data(), static_cast<int>(material.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &refuse_passphrase, nullptr) : nullptr);
  ERR_clear_error();
  if (!key) return "does not hold an unencrypted PEM private key";
  if (alg == AssertionAlgorithm::eddsa && EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    return "does not hold an Ed25519 private key, which alg EdDSA needs";
  }
  if (alg == AssertionAlgorithm::es256 && !is_p256(key.get())) {
    return "does not hold an EC P-256 private key, which alg ES256 needs";
  }
  return std::nullopt;
}

}  // namespace latchkey::config::detail

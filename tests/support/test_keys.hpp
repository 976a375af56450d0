// Private keys made afresh for a test, as PEM text, so that no private-key file lives in the
// repository. Header-only; the suite links OpenSSL::Crypto.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace latchkey::test {

// PKCS#8 PEM of `key`; with a cipher, encrypted under a fixed passphrase.
inline std::string private_key_pem(EVP_PKEY* key, const EVP_CIPHER* cipher = nullptr) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  static char passphrase[] = "correct horse";
  if (!bio || PEM_write_bio_PrivateKey(
                  bio.get(), key, cipher, reinterpret_cast<unsigned char*>(passphrase),
                  cipher ? static_cast<int>(sizeof passphrase - 1) : 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("PEM_write_bio_PrivateKey failed");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// A new key: ("ED25519"), ("EC", "P-256"), ("EC", "P-384").
inline std::string generated_key_pem(const char* type, const char* curve = nullptr,
                                     const EVP_CIPHER* cipher = nullptr) {
  EVP_PKEY* raw = curve ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve)
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  if (raw == nullptr) throw std::runtime_error("EVP_PKEY_Q_keygen failed");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, &EVP_PKEY_free);
  return private_key_pem(key.get(), cipher);
}

}  // namespace latchkey::test

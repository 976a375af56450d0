#include "config/tls_material.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// The file's bytes in a memory BIO, or the reason it cannot be read.
std::optional<Bio> open_file(const std::string& path, std::string& why) {
  int error = 0;
  const auto contents = read_whole_file(path, error);
  if (!contents) {
    why = "cannot read " + quote(path) + ": " + std::strerror(error);
    return std::nullopt;
  }
  // A BIO of its own (not a view into `contents`), so it outlives this function.
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  const int size = static_cast<int>(contents->size());
  if (!bio || BIO_write(bio.get(), contents->data(), size) != size) {
    why = "cannot read " + quote(path) + ": out of memory";
    return std::nullopt;
  }
  return bio;
}

// Every certificate in the PEM text; `count` of them, or a parse problem in `why`.
std::optional<Certificate> read_chain(const std::string& path, int& count, std::string& why) {
  auto bio = open_file(path, why);
  if (!bio) return std::nullopt;
  Certificate first(nullptr, &X509_free);
  count = 0;
  for (;;) {
    ERR_clear_error();
    Certificate next(PEM_read_bio_X509(bio->get(), nullptr, nullptr, nullptr), &X509_free);
    if (!next) break;
    if (!first) first = std::move(next);
    ++count;
  }
  // The loop ends at the first block that is not a certificate: at the end of the file that
  // is "no start line"; anything else is a damaged certificate.
  const unsigned long error = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (!clean_end) {
    why = quote(path) + " has a certificate that does not parse (certificate " +
          std::to_string(count + 1) + ")";
    return std::nullopt;
  }
  if (count == 0) {
    why = quote(path) + " holds no PEM certificate";
    return std::nullopt;
  }
  return first;
}

}  // namespace

std::optional<std::string> certificate_chain_problem(const std::string& path) {
  int count = 0;
  std::string why;
  if (!read_chain(path, count, why)) return why;
  return std::nullopt;
}

std::optional<std::string> private_key_problem(const std::string& path,
                                               const std::string& cert_path) {
  std::string why;
  auto bio = open_file(path, why);
  if (!bio) return why;
  ERR_clear_error();
  // A null passphrase callback result refuses encrypted keys instead of prompting on a tty.
  Key key(PEM_read_bio_PrivateKey(
              bio->get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr),
          &EVP_PKEY_free);
  ERR_clear_error();
  if (!key) return quote(path) + " holds no unencrypted PEM private key";
  if (cert_path.empty()) return std::nullopt;
  int count = 0;
  auto certificate = read_chain(cert_path, count, why);
  if (!certificate) return std::nullopt;  // the certificate's own key reports that
  const bool matches = X509_check_private_key(certificate->get(), key.get()) == 1;
  ERR_clear_error();
  if (!matches)
    return quote(path) + " is not the private key of the certificate in " + quote(cert_path);
  return std::nullopt;
}

std::optional<std::string> ca_bundle_problem(const std::string& path) {
  int count = 0;
  std::string why;
  if (!read_chain(path, count, why)) return why;
  return std::nullopt;
}

}  // namespace latchkey::config::detail

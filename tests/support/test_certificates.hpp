// A throwaway PKI for TLS tests, made with the openssl command line in a directory of the
// test's own at run time: a CA, and server or client certificates it signs. No key is ever
// committed; every key dies with the directory.
#pragma once

#include <string>

namespace latchkey::test {

struct IssuedCertificate {
  std::string cert_file;
  std::string key_file;
  std::string serial;  // decimal, as TlsClient::peer_serial() reports it
};

class TestCertificateAuthority {
 public:
  // Creates `<dir>/<name>-ca.crt` and its key (P-256, valid for two days).
  TestCertificateAuthority(std::string dir, std::string name);

  const std::string& ca_file() const { return ca_cert_; }

  // Signs a new key for `common_name` with `subject_alt_names` in openssl's form
  // ("IP:127.0.0.1,DNS:localhost"); `client` makes it a client (not server) certificate.
  // Files are `<dir>/<file_stem>.crt` and `.key`; issuing the same stem again replaces them.
  IssuedCertificate issue(const std::string& file_stem, const std::string& common_name,
                          const std::string& subject_alt_names, bool client = false);

 private:
  std::string dir_;
  std::string name_;
  std::string ca_cert_;
  std::string ca_key_;
};

}  // namespace latchkey::test

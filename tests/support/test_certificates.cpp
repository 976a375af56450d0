#include "tests/support/test_certificates.hpp"

#include <atomic>
#include <random>
#include <stdexcept>

#include "tests/support/background_process.hpp"
#include "tests/support/process.hpp"

namespace latchkey::test {
namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult result = run_process(argv);
  if (result.exit_code != 0) {
    throw std::runtime_error("openssl " + args.front() + " failed: " + describe(result));
  }
}

// Distinct per certificate, so a test can tell which one a handshake presented.
std::string next_serial() {
  static std::atomic<long> counter{std::random_device{}() % 1'000'000};
  return std::to_string(1'000'000'000L + ++counter);
}

}  // namespace

TestCertificateAuthority::TestCertificateAuthority(std::string dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)) {
  ca_cert_ = dir_ + "/" + name_ + "-ca.crt";
  ca_key_ = dir_ + "/" + name_ + "-ca.key";
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", ca_key_, "-out", ca_cert_, "-days", "2", "-subj",
           "/CN=latchkey test CA " + name_, "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

IssuedCertificate TestCertificateAuthority::issue(const std::string& file_stem,
                                                  const std::string& common_name,
                                                  const std::string& subject_alt_names,
                                                  bool client) {
  IssuedCertificate issued;
  issued.cert_file = dir_ + "/" + file_stem + ".crt";
  issued.key_file = dir_ + "/" + file_stem + ".key";
  issued.serial = next_serial();
  const std::string request = dir_ + "/" + file_stem + ".csr";
  const std::string extensions = dir_ + "/" + file_stem + ".ext";
  write_file(extensions,
             "basicConstraints=CA:FALSE\n"
             "keyUsage=critical,digitalSignature\n"
             "extendedKeyUsage=" +
                 std::string(client ? "clientAuth" : "serverAuth") + "\n" +
                 (subject_alt_names.empty() ? "" : "subjectAltName=" + subject_alt_names + "\n"));
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           issued.key_file, "-out", request, "-subj", "/CN=" + common_name});
  openssl({"x509", "-req", "-in", request, "-CA", ca_cert_, "-CAkey", ca_key_, "-set_serial",
           issued.serial, "-days", "2", "-extfile", extensions, "-out", issued.cert_file});
  return issued;
}

}  // namespace latchkey::test

// A TLS deployment for end-to-end tests: the real latchkey binary with a plain and a TLS
// listener, a real PostgreSQL database, and four real HTTPS recording upstreams (trusted,
// signed by an unknown CA, named for another host, requiring a client certificate), with
// every certificate made by the openssl command line in a temporary directory.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/background_process.hpp"
#include "tests/support/pg_database.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_certificates.hpp"

namespace latchkey::test {

struct CurlResult {
  int status = 0;
  std::string body;
  std::string http_version;  // as curl's %{http_version} reports it ("1.1")
  int exit_code = 0;
  std::string error;
};

class TlsDeployment {
 public:
  TlsDeployment();
  ~TlsDeployment();

  int plain_port() const { return plain_port_; }
  int tls_port() const { return tls_port_; }
  const std::string& ca_file() const { return trusted_.ca_file(); }
  // The serial of the certificate the TLS listener was last given.
  const std::string& listener_serial() const { return listener_.serial; }

  // curl https://127.0.0.1:<tls port><path> trusting the test CA (or http:// on the plain port).
  CurlResult curl_tls(const std::string& path, const std::vector<std::string>& extra_args = {});
  CurlResult curl_plain(const std::string& path);
  std::string metrics();
  std::string file(const std::string& name) const { return dir_.file(name); }
  ProcessResult check_config() const;  // `latchkey check-config` on this deployment's file

  // Records of the named upstream: "trusted", "rogue", "wrong-host", "mutual".
  std::vector<boost::json::value> upstream_records(const std::string& upstream) const;

  // New certificate and key for the listener in place (a new serial), or garbage in the
  // certificate file; then SIGHUP.
  void renew_listener_certificate();
  void break_listener_certificate();
  void send_sighup();

  pid_t latchkey_pid() const { return latchkey_->pid(); }
  std::optional<int> wait_latchkey_exit(std::chrono::milliseconds timeout) {
    return latchkey_->wait_exit(timeout);
  }

  std::string log_text() const;
  std::size_t log_count(const std::string& text) const;
  // Waits until `text` appears at least `count` times in the log.
  bool wait_for_log(const std::string& text, std::size_t count = 1,
                    std::chrono::milliseconds wait = std::chrono::seconds(5)) const;

 private:
  TempDir dir_;
  PgDatabase database_;
  TestCertificateAuthority trusted_;
  TestCertificateAuthority rogue_;
  IssuedCertificate listener_;
  int plain_port_ = 0;
  int tls_port_ = 0;
  int admin_port_ = 0;
  std::vector<std::unique_ptr<BackgroundProcess>> upstreams_;
  std::unique_ptr<BackgroundProcess> latchkey_;

  int start_upstream(const std::string& name, const IssuedCertificate& certificate,
                     const std::string& client_ca = "");
};

TlsDeployment& tls_deployment();

}  // namespace latchkey::test

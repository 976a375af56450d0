#include "tests/e2e/tls_deployment.hpp"

#include <signal.h>

#include <boost/json/parse.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace latchkey::test {

namespace {

constexpr const char* kListenerNames = "IP:127.0.0.1,DNS:localhost";

std::string https(int port) {
  return "https://127.0.0.1:" + std::to_string(port);
}

}  // namespace

TlsDeployment::TlsDeployment()
    : database_("e2e_tls"),
      trusted_(dir_.path(), "trusted"),
      rogue_(dir_.path(), "rogue"),
      listener_(trusted_.issue("listener", "localhost", kListenerNames)) {
  write_file(dir_.file("pepper"), "e2e-pepper-0123456789abcdef0123456789abcdef\n");
  write_file(dir_.file("totp.key"),
             "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
  const auto upstream = trusted_.issue("upstream", "localhost", kListenerNames);
  const auto unknown = rogue_.issue("rogue-upstream", "localhost", kListenerNames);
  const auto misnamed = trusted_.issue("wrong-host", "wrong.example", "DNS:wrong.example");
  trusted_.issue("latchkey-client", "latchkey-client", "", true);
  const int trusted_port = start_upstream("trusted", upstream);
  const int rogue_port = start_upstream("rogue", unknown);
  const int wrong_host_port = start_upstream("wrong-host", misnamed);
  const int mutual_port = start_upstream("mutual", upstream, trusted_.ca_file());

  plain_port_ = free_tcp_port();
  tls_port_ = free_tcp_port();
  admin_port_ = free_tcp_port();
  std::ostringstream c;
  c << "listen:\n"
    << "  - address: 127.0.0.1:" << plain_port_ << "\n"
    << "  - address: 127.0.0.1:" << tls_port_ << "\n"
    << "    tls: { cert_file: listener.crt, key_file: listener.key }\n"
    << "admin: { address: 127.0.0.1:" << admin_port_ << " }\n"
    << "database: { url: \"" << database_.url() << "\", pool_size: 2 }\n"
    << "secrets: { pepper_file: pepper, totp_key_file: totp.key }\n"
    // One IO loop: each loop pools its own upstream connections, and the pooling test
    // expects consecutive requests to share one.
    << "server: { header_timeout: 2s, threads: 1 }\n"
    << "routes:\n"
    << "  - name: verified\n"
    << "    match: { path_prefix: /verified }\n"
    << "    upstream: { url: \"" << https(trusted_port) << "\", ca_file: trusted-ca.crt }\n"
    << "    auth: none\n"
    << "  - name: download\n"
    << "    match: { path_prefix: /download }\n"
    << "    upstream: { url: \"" << https(trusted_port) << "\", ca_file: trusted-ca.crt }\n"
    << "    auth: none\n"
    << "  - name: by-name\n"
    << "    match: { path_prefix: /by-name }\n"
    << "    upstream: { url: \"https://localhost:" << trusted_port
    << "\", ca_file: trusted-ca.crt }\n"
    << "    auth: none\n"
    << "  - name: system-store\n"
    << "    match: { path_prefix: /system-store }\n"
    << "    upstream: { url: \"" << https(trusted_port) << "\" }\n"
    << "    auth: none\n"
    << "  - name: unknown-ca\n"
    << "    match: { path_prefix: /unknown-ca }\n"
    << "    upstream: { url: \"" << https(rogue_port) << "\", ca_file: trusted-ca.crt }\n"
    << "    auth: none\n"
    << "  - name: skip-verify\n"
    << "    match: { path_prefix: /skip-verify }\n"
    << "    upstream: { url: \"" << https(rogue_port) << "\", tls_insecure_skip_verify: true }\n"
    << "    auth: none\n"
    << "  - name: wrong-host\n"
    << "    match: { path_prefix: /wrong-host }\n"
    << "    upstream: { url: \"" << https(wrong_host_port) << "\", ca_file: trusted-ca.crt }\n"
    << "    auth: none\n"
    << "  - name: mutual\n"
    << "    match: { path_prefix: /mutual }\n"
    << "    upstream: { url: \"" << https(mutual_port) << "\", ca_file: trusted-ca.crt,\n"
    << "                client_cert_file: latchkey-client.crt,\n"
    << "                client_key_file: latchkey-client.key }\n"
    << "    auth: none\n"
    << "  - name: mutual-without-certificate\n"
    << "    match: { path_prefix: /no-client-certificate }\n"
    << "    upstream: { url: \"" << https(mutual_port) << "\", ca_file: trusted-ca.crt }\n"
    << "    auth: none\n"
    // Two routes that differ only in pooling: what an idle pooled TLS connection costs.
    << "  - name: pooled\n"
    << "    match: { host: pool.test, path_prefix: /slow }\n"
    << "    upstream: { url: \"" << https(trusted_port) << "\", ca_file: trusted-ca.crt,\n"
    << "                max_idle_connections: 1000 }\n"
    << "    auth: none\n"
    << "  - name: unpooled\n"
    << "    match: { host: no-pool.test, path_prefix: /slow }\n"
    << "    upstream: { url: \"" << https(trusted_port) << "\", ca_file: trusted-ca.crt,\n"
    << "                max_idle_connections: 0 }\n"
    << "    auth: none\n";
  const std::string config = dir_.file("latchkey.yaml");
  write_file(config, c.str());

  RunOptions options;
  const ProcessResult migrated =
      run_process({LATCHKEY_BINARY, "--config", config, "migrate"}, options);
  if (migrated.exit_code != 0) throw std::runtime_error("migrate failed: " + describe(migrated));
  latchkey_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{LATCHKEY_BINARY, "--config", config, "serve"},
      dir_.file("latchkey.log"));
  if (!wait_for_port(plain_port_, std::chrono::seconds(15)) ||
      !wait_for_port(tls_port_, std::chrono::seconds(5))) {
    throw std::runtime_error("latchkey did not start listening:\n" + log_text());
  }
}

TlsDeployment::~TlsDeployment() {
  if (latchkey_) latchkey_->stop();
  if (std::getenv("LATCHKEY_TLS_DUMP_LOG")) std::fputs(log_text().c_str(), stderr);
}

int TlsDeployment::start_upstream(const std::string& name, const IssuedCertificate& certificate,
                                  const std::string& client_ca) {
  const std::string port_file = dir_.file(name + ".port");
  std::vector<std::string> argv{
      "/usr/bin/python3", std::string(LATCHKEY_SOURCE_DIR) + "/tests/support/recording_upstream.py",
      "--port",           "0",
      "--port-file",      port_file,
      "--record",         dir_.file(name + ".jsonl"),
      "--tls-cert",       certificate.cert_file,
      "--tls-key",        certificate.key_file};
  if (!client_ca.empty()) {
    argv.push_back("--tls-client-ca");
    argv.push_back(client_ca);
  }
  upstreams_.push_back(std::make_unique<BackgroundProcess>(argv, dir_.file(name + ".log")));
  for (int i = 0; i < 200 && read_file(port_file).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const std::string port = read_file(port_file);
  if (port.empty()) {
    throw std::runtime_error("upstream " + name + " did not start:\n" +
                             read_file(dir_.file(name + ".log")));
  }
  return std::stoi(port);
}

CurlResult TlsDeployment::curl_tls(const std::string& path,
                                   const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{
      "curl",     "-sS",     "--max-time", "20",
      "--cacert", ca_file(), "-w",         "\n%{http_code} %{http_version}"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back("https://127.0.0.1:" + std::to_string(tls_port_) + path);
  const ProcessResult run = run_process(argv);
  CurlResult result;
  result.exit_code = run.exit_code;
  result.error = run.err;
  const auto last = run.out.rfind('\n');
  result.body = last == std::string::npos ? "" : run.out.substr(0, last);
  std::istringstream tail(last == std::string::npos ? run.out : run.out.substr(last + 1));
  tail >> result.status >> result.http_version;
  return result;
}

CurlResult TlsDeployment::curl_plain(const std::string& path) {
  const ProcessResult run = run_process({"curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}",
                                         "http://127.0.0.1:" + std::to_string(plain_port_) + path});
  CurlResult result;
  result.exit_code = run.exit_code;
  result.error = run.err;
  const auto last = run.out.rfind('\n');
  result.body = last == std::string::npos ? "" : run.out.substr(0, last);
  result.status = std::atoi(run.out.substr(last + 1).c_str());
  return result;
}

ProcessResult TlsDeployment::check_config() const {
  return run_process({LATCHKEY_BINARY, "--config", dir_.file("latchkey.yaml"), "check-config"});
}

std::string TlsDeployment::metrics() {
  return run_process({"curl", "-sS", "--max-time", "10",
                      "http://127.0.0.1:" + std::to_string(admin_port_) + "/metrics"})
      .out;
}

std::vector<boost::json::value> TlsDeployment::upstream_records(const std::string& upstream) const {
  std::vector<boost::json::value> records;
  std::istringstream lines(read_file(dir_.file(upstream + ".jsonl")));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) records.push_back(boost::json::parse(line));
  }
  return records;
}

void TlsDeployment::renew_listener_certificate() {
  listener_ = trusted_.issue("listener", "localhost", kListenerNames);
}

void TlsDeployment::break_listener_certificate() {
  write_file(dir_.file("listener.crt"), "-----BEGIN CERTIFICATE-----\nbroken\n");
}

void TlsDeployment::send_sighup() {
  ::kill(latchkey_->pid(), SIGHUP);
}

std::string TlsDeployment::log_text() const {
  return read_file(dir_.file("latchkey.log"));
}

std::size_t TlsDeployment::log_count(const std::string& text) const {
  const std::string log = log_text();
  std::size_t count = 0;
  for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
  return count;
}

bool TlsDeployment::wait_for_log(const std::string& text, std::size_t count,
                                 std::chrono::milliseconds wait) const {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (log_count(text) >= count) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TlsDeployment& tls_deployment() {
  static TlsDeployment instance;
  return instance;
}

}  // namespace latchkey::test

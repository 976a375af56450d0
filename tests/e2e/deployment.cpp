#include "tests/e2e/deployment.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "auth/totp.hpp"

namespace latchkey::test {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string with_upstream(std::string routes, const std::string& upstream) {
  const std::string placeholder = "@UPSTREAM@";
  for (auto at = routes.find(placeholder); at != std::string::npos;
       at = routes.find(placeholder, at + upstream.size())) {
    routes.replace(at, placeholder.size(), upstream);
  }
  return routes;
}

// Routes cover every policy the suites exercise; the upstream records what it received.
std::string render_config(int proxy_port, int admin_port, int upstream_port, int dead_port,
                        const std::string& db_url, const DeploymentOptions& options) {
  std::ostringstream c;
  const std::string upstream = "http://127.0.0.1:" + std::to_string(upstream_port);
  c << "listen:\n  - address: 127.0.0.1:" << proxy_port << "\n"
    << "admin: { address: 127.0.0.1:" << admin_port << " }\n"
    << "database: { url: \"" << db_url << "\", pool_size: 4 }\n"
    << "secrets: { pepper_file: pepper, totp_key_file: totp.key }\n"
    << "cache: " << options.cache << "\n"
    << "brute_force: " << options.brute_force << "\n"
    << "server: " << options.server << "\n"
    << (options.self_service.empty() ? "" : "self_service: " + options.self_service + "\n")
    << "routes:\n"
    << "  - name: tracker\n"
    << "    match: { path_prefix: / }\n"
    << "    upstream: { url: \"" << upstream << "\" }\n"
    << "    auth: { accept: [app_password], account_password: deny_if_totp, realm: tracker }\n"
    << "    forward: { identity_headers: { user: X-Forwarded-User, email: X-Forwarded-Email } }\n"
    << "  - name: legacy\n"
    << "    match: { path_prefix: /legacy }\n"
    << "    upstream: { url: \"" << upstream << "\" }\n"
    << "    auth: { accept: [app_password], account_password: deny_if_totp }\n"
    << "    forward: { identity_headers: { user: X-Remote-User } }\n"
    << "  - name: strict\n"
    << "    match: { path_prefix: /strict }\n"
    << "    upstream: { url: \"" << upstream << "\" }\n"
    << "    auth: { accept: [app_password], account_password: deny }\n"
    << "    forward: { identity_headers: { user: X-Forwarded-User } }\n"
    << "  - name: public\n"
    << "    match: { path_prefix: /static/ }\n"
    << "    upstream: { url: \"" << upstream << "\" }\n"
    << "    auth: none\n"
    << "  - name: public-chunked\n"
    << "    match: { path_prefix: /chunked }\n"
    << "    upstream: { url: \"" << upstream << "\" }\n"
    << "    auth: none\n"
    << "  - name: public-status\n"
    << "    match: { path_prefix: /status }\n"
    << "    upstream: { url: \"http://localhost:" << upstream_port << "\" }\n"
    << "    auth: none\n"
    << "  - name: dead\n"
    << "    match: { path_prefix: /dead }\n"
    << "    upstream: { url: \"http://127.0.0.1:" << dead_port << "\" }\n"
    << "    auth: none\n"
    << "  - name: slow\n"
    << "    match: { path_prefix: /slow }\n"
    << "    upstream: { url: \"" << upstream << "\", response_timeout: 500ms }\n"
    << "    auth: none\n"
    << with_upstream(options.extra_routes, upstream) << options.extra_sections;
  return c.str();
}

}  // namespace

std::string HttpResult::header(const std::string& name) const {
  std::istringstream lines(headers);
  std::string line;
  std::string value;
  const std::string wanted = lower(name) + ":";
  while (std::getline(lines, line)) {
    if (lower(line.substr(0, wanted.size())) == wanted) {
      value = line.substr(wanted.size());
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    }
  }
  return value;
}

Deployment::Deployment(DeploymentOptions options)
    : database_(options.cluster_url.empty() ? PgDatabase("e2e")
                                            : PgDatabase("e2e", options.cluster_url)),
      options_(std::move(options)) {
  write_file(dir_.file("pepper"), "e2e-pepper-0123456789abcdef0123456789abcdef\n");
  write_file(dir_.file("totp.key"),
             "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
  proxy_port_ = free_tcp_port();
  admin_port_ = free_tcp_port();
  dead_port_ = free_tcp_port();  // nothing will listen there
  base_url_ = "http://127.0.0.1:" + std::to_string(proxy_port_);

  upstream_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"/usr/bin/python3",
                               std::string(LATCHKEY_SOURCE_DIR) + "/tests/support/recording_upstream.py",
                               "--port", "0", "--port-file", dir_.file("upstream.port"),
                               "--record", dir_.file("upstream.jsonl")},
      dir_.file("upstream.log"));
  for (int i = 0; i < 200 && read_file(dir_.file("upstream.port")).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  upstream_port_ = std::stoi(read_file(dir_.file("upstream.port")));

  write_file(dir_.file("latchkey.yaml"),
             render_config(proxy_port_, admin_port_, upstream_port_, dead_port_, database_.url(),
                         options_));
  const ProcessResult migrated = cli({"migrate"});
  if (migrated.exit_code != 0) throw std::runtime_error("migrate failed: " + describe(migrated));
  if (!options_.sql_before_start.empty()) database_.query_value(options_.sql_before_start);

  latchkey_ = start_proxy(dir_.file("latchkey.yaml"), proxy_port_);
}

std::unique_ptr<BackgroundProcess> Deployment::start_proxy(const std::string& config_file,
                                                           int port) {
  auto process = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{LATCHKEY_BINARY, "--config", config_file, "serve"},
      config_file + ".log");
  if (!wait_for_port(port, std::chrono::seconds(15))) {
    throw std::runtime_error("latchkey did not start listening:\n" + read_file(config_file + ".log"));
  }
  return process;
}

int Deployment::start_another_proxy() {
  const int port = free_tcp_port();
  const std::string file = dir_.file("latchkey-" + std::to_string(replicas_.size() + 2) + ".yaml");
  write_file(file, render_config(port, free_tcp_port(), upstream_port_, dead_port_, database_.url(),
                               options_));
  replicas_.push_back(start_proxy(file, port));
  return port;
}

std::optional<int> Deployment::wait_proxy_exit(std::chrono::milliseconds timeout) {
  return latchkey_->wait_exit(timeout);
}

std::string Deployment::config_text() const {
  return render_config(proxy_port_, admin_port_, upstream_port_, dead_port_,
                                     database_.url(), options_);
}

ProcessResult Deployment::admin_get(const std::string& path) const {
  RunOptions options;
  options.timeout = std::chrono::seconds(20);
  return run_process({"curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}", admin_url() + path},
                     options);
}

double Deployment::metric(const std::string& series) const {
  const std::string text = admin_get("/metrics").out;
  const std::string prefix = "\n" + series + " ";
  const auto at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size()));
}

Deployment::~Deployment() {
  if (latchkey_) {
    const int code = latchkey_->stop();
    if (code != 0) BOOST_TEST_MESSAGE("latchkey serve exited with " << code);
  }
}

ProcessResult Deployment::cli(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::vector<std::string> argv{LATCHKEY_BINARY, "--config", dir_.file("latchkey.yaml")};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.stdin_text = stdin_text;
  return run_process(argv, options);
}

HttpResult Deployment::curl(const std::string& path, const std::vector<std::string>& extra_args) {
  return curl_at(proxy_port_, path, extra_args);
}

HttpResult Deployment::curl_at(int port, const std::string& path,
                               const std::vector<std::string>& extra_args) {
  static int counter = 0;
  const std::string headers_file = dir_.file("curl-headers-" + std::to_string(++counter));
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "60", "-D", headers_file};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  RunOptions options;
  options.timeout = std::chrono::seconds(90);
  const ProcessResult run = run_process(argv, options);
  HttpResult result;
  result.curl_exit = run.exit_code;
  result.curl_error = run.err;
  result.body = run.out;
  result.headers = read_file(headers_file);
  std::istringstream lines(result.headers);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("HTTP/", 0) == 0) {
      const auto space = line.find(' ');
      if (space != std::string::npos) result.status = std::stoi(line.substr(space + 1, 3));
    }
  }
  return result;
}

std::string Deployment::raw_exchange(const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(proxy_port_));
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to the proxy");
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;  // closed, or 5 s without a byte
    answer.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

void Deployment::add_user(const std::string& username, const std::string& password, bool totp,
                          const std::string& email) {
  std::vector<std::string> args{"user", "add", username, "--password-stdin"};
  if (!email.empty()) {
    args.push_back("--email");
    args.push_back(email);
  }
  const ProcessResult added = cli(args, password + "\n");
  BOOST_REQUIRE_MESSAGE(added.exit_code == 0, describe(added));
  if (!totp) return;
  const ProcessResult enabled = cli({"totp", "enable", username, "--json"});
  BOOST_REQUIRE_MESSAGE(enabled.exit_code == 0, describe(enabled));
  const auto secret_text = boost::json::parse(enabled.out).at("secret").as_string();
  const auto secret = auth::base32_decode(std::string(secret_text));
  BOOST_REQUIRE(secret.has_value());
  const std::string code =
      auth::hotp_code(*secret, static_cast<std::uint64_t>(auth::totp_step(std::time(nullptr))));
  const ProcessResult confirmed = cli({"totp", "confirm", username, "--code-stdin"}, code + "\n");
  BOOST_REQUIRE_MESSAGE(confirmed.exit_code == 0, describe(confirmed));
}

std::string Deployment::new_app_password(const std::string& username, const std::string& name) {
  const ProcessResult created =
      cli({"app-password", "new", username, "--name", name, "--json"});
  BOOST_REQUIRE_MESSAGE(created.exit_code == 0, describe(created));
  return std::string(boost::json::parse(created.out).at("password").as_string());
}

std::vector<boost::json::value> Deployment::upstream_records() const {
  std::vector<boost::json::value> records;
  std::istringstream lines(read_file(dir_.file("upstream.jsonl")));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) records.push_back(boost::json::parse(line));
  }
  return records;
}

std::string Deployment::pepper() const { return read_file(dir_.file("pepper")); }
std::string Deployment::totp_key() const { return read_file(dir_.file("totp.key")); }

std::string Deployment::log_text() const { return read_file(dir_.file("latchkey.yaml.log")); }

bool Deployment::log_contains(const std::string& text, std::chrono::milliseconds wait) const {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (log_text().find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string record_header(const boost::json::value& record, const std::string& name) {
  std::string value;
  for (const auto& pair : record.at("headers").as_array()) {
    const auto& items = pair.as_array();
    if (lower(std::string(items[0].as_string())) == lower(name)) {
      value = std::string(items[1].as_string());
    }
  }
  return value;
}

std::size_t record_header_count(const boost::json::value& record, const std::string& name) {
  std::size_t count = 0;
  for (const auto& pair : record.at("headers").as_array()) {
    if (lower(std::string(pair.as_array()[0].as_string())) == lower(name)) ++count;
  }
  return count;
}

Deployment& deployment() {
  static Deployment instance;
  return instance;
}

}  // namespace latchkey::test

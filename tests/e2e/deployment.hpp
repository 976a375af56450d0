// A real deployment for end-to-end tests: a fresh database on the test cluster, the recording
// upstream, and the real `latchkey` binary in front of it, driven with its own CLI and curl.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "tests/support/background_process.hpp"
#include "tests/support/pg_database.hpp"
#include "tests/support/process.hpp"

namespace latchkey::test {

struct HttpResult {
  int status = 0;           // of the final response (after any 100 Continue)
  std::string headers;      // raw header block(s) as curl saw them
  std::string body;
  int curl_exit = 0;
  std::string curl_error;  // curl's stderr, for assertion messages
  std::string header(const std::string& name) const;  // last value, case-insensitive; "" if none
};

struct DeploymentOptions {
  std::string cluster_url;                     // empty: the shared test cluster
  std::string cache = "{ ttl: 10m }";          // the `cache:` section, YAML flow style
  // The `brute_force:` section; generous by default so that suites sharing one deployment
  // (and one client address) do not throttle each other.
  std::string brute_force =
      "{ per_address: { burst: 100000, per_minute: 100000 }, "
      "per_account: { burst: 1000, per_minute: 1000 }, lock_after: 100 }";
  std::string self_service;  // the `self_service:` section, YAML flow style; empty: none
  std::string server = "{ header_timeout: 1s }";  // the `server:` section, YAML flow style
  // Lines appended to `routes:` ("  - name: ..."), for a suite that needs routes of its own;
  // every @UPSTREAM@ becomes the recording upstream's URL.
  std::string extra_routes = "";
  // More top-level sections (such as `oauth:`), appended after the routes.
  std::string extra_sections;
  // SQL run on the migrated database before the proxy starts: rows its start-up must find.
  std::string sql_before_start;
};

class Deployment {
 public:
  explicit Deployment(DeploymentOptions options = {});
  ~Deployment();

  // Another `latchkey serve` on the same database and config, on its own port (replicas).
  int start_another_proxy();
  HttpResult curl_at(int port, const std::string& path,
                     const std::vector<std::string>& extra_args = {});
  ProcessResult admin_get(const std::string& path) const;  // curl on the admin listener
  // One series of /metrics, named with its labels ("x_total{reason=\"y\"}"); -1 when absent.
  double metric(const std::string& series) const;

  // `latchkey --config <ours> ARGS...` with stdin; fails the test when it cannot run.
  ProcessResult cli(const std::vector<std::string>& args, const std::string& stdin_text = "");
  // curl against the proxy: `path` is appended to the proxy's base URL.
  HttpResult curl(const std::string& path, const std::vector<std::string>& extra_args = {});
  // Raw bytes to the proxy; returns everything it answered before closing (bounded in time).
  std::string raw_exchange(const std::string& bytes);

  // Creates a user (with TOTP confirmed when `totp`) and returns nothing; app passwords via
  // new_app_password.
  void add_user(const std::string& username, const std::string& password, bool totp,
                const std::string& email = "");
  std::string new_app_password(const std::string& username, const std::string& name);

  // Lines the upstream recorded, parsed; the newest last.
  std::vector<boost::json::value> upstream_records() const;
  std::size_t upstream_record_count() const { return upstream_records().size(); }
  std::string log_text() const;
  // Whether the log shows `text` within `wait`: latchkey writes its log from a background
  // thread, so a line can trail the response it describes by a moment.
  bool log_contains(const std::string& text,
                    std::chrono::milliseconds wait = std::chrono::seconds(3)) const;
  long proxy_peak_rss_kib() const { return latchkey_->peak_rss_kib(); }

  // The secret material this deployment was configured with (tests assert it never leaks).
  std::string pepper() const;
  std::string totp_key() const;
  // The config file the proxy runs with, its text as generated, and the proxy's pid (for
  // SIGHUP and SIGTERM tests); stop_proxy() returns its exit code.
  std::string config_file() const { return dir_.file("latchkey.yaml"); }
  std::string config_text() const;
  int proxy_pid() const { return latchkey_->pid(); }
  int stop_proxy(std::chrono::milliseconds grace) { return latchkey_->stop(grace); }
  // Waits for the proxy to exit by itself (after a signal the test sent); its exit code, or
  // nullopt (and it is killed) when it is still running after `timeout`.
  std::optional<int> wait_proxy_exit(std::chrono::milliseconds timeout);
  int upstream_port() const { return upstream_port_; }

  const std::string& base_url() const { return base_url_; }
  int proxy_port() const { return proxy_port_; }
  std::string admin_url() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }
  PgDatabase& database() { return database_; }

 private:
  TempDir dir_;
  PgDatabase database_;
  int proxy_port_ = 0;
  int admin_port_ = 0;
  int upstream_port_ = 0;
  std::string base_url_;
  int dead_port_ = 0;
  DeploymentOptions options_;
  std::unique_ptr<BackgroundProcess> upstream_;
  std::unique_ptr<BackgroundProcess> latchkey_;
  std::vector<std::unique_ptr<BackgroundProcess>> replicas_;
  std::unique_ptr<BackgroundProcess> start_proxy(const std::string& config_file, int port);
};

// The one deployment shared by the suite (starting one costs a second or two).
Deployment& deployment();

// Header value of one upstream record ("" when absent), case-insensitive, last copy.
std::string record_header(const boost::json::value& record, const std::string& name);
std::size_t record_header_count(const boost::json::value& record, const std::string& name);

}  // namespace latchkey::test

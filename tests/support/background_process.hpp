// A long-running child for end-to-end tests (latchkey serve, the recording upstream): started
// with its output going to a file, stopped with SIGTERM (then SIGKILL) when the test ends.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace latchkey::test {

class BackgroundProcess {
 public:
  // stdout and stderr are appended to `log_file`; stdin is /dev/null. Throws when it cannot start.
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_file);
  ~BackgroundProcess();  // stop()
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code (-signal when killed).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Waits for the process to exit on its own: its exit code, or nullopt (and SIGKILL) when it
  // is still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Peak resident set size in KiB (VmHWM from /proc), 0 when unknown.
  long peak_rss_kib() const;

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_tcp_port();

// Waits until something accepts TCP connections on 127.0.0.1:port; false after `timeout`.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace latchkey::test

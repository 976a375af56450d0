// tests/support/misbehaving_upstream.py as a test fixture: an upstream that answers garbage,
// stalls, or (on a second port) never accepts a connection.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "tests/support/background_process.hpp"

namespace latchkey::test {

class MisbehavingUpstream {
 public:
  MisbehavingUpstream() {
    process_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{
            "/usr/bin/python3",
            std::string(LATCHKEY_SOURCE_DIR) + "/tests/support/misbehaving_upstream.py",
            "--port-file", dir_.file("port"), "--blackhole-port-file", dir_.file("blackhole")},
        dir_.file("log"));
    for (int i = 0; i < 200 && read_file(dir_.file("port")).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    port_ = std::stoi(read_file(dir_.file("port")));
    blackhole_port_ = std::stoi(read_file(dir_.file("blackhole")));
  }

  int port() const { return port_; }
  // Connections to this port are never accepted: connects hang until they time out.
  int blackhole_port() const { return blackhole_port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
  int blackhole_port_ = 0;
};

}  // namespace latchkey::test

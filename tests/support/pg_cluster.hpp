// A private PostgreSQL cluster for tests that stop and restart the server (outages), which
// the shared test cluster must never see. Runs scripts/pg-cluster; the port survives restarts.
#pragma once

#include <string>

#include "tests/support/background_process.hpp"

namespace latchkey::test {

class PgCluster {
 public:
  PgCluster();   // initdb + start; throws with the script's output on failure
  ~PgCluster();  // stop and remove
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  const std::string& url() const { return url_; }  // admin URL (database "postgres")
  void stop();
  void start();  // again, on the same port

 private:
  TempDir dir_;
  std::string url_;
  std::string port_;
};

}  // namespace latchkey::test

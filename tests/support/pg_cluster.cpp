#include "tests/support/pg_cluster.hpp"

#include <sys/stat.h>

#include <stdexcept>

#include "tests/support/process.hpp"

namespace latchkey::test {

namespace {

ProcessResult pg_cluster(const std::string& action, const std::string& dir,
                         const std::string& port) {
  RunOptions options;
  options.timeout = std::chrono::seconds(90);
  if (!port.empty()) options.env["PG_PORT"] = port;
  ProcessResult result =
      run_process({std::string(LATCHKEY_SOURCE_DIR) + "/scripts/pg-cluster", action, dir}, options);
  if (result.exit_code != 0) {
    throw std::runtime_error("scripts/pg-cluster " + action + " failed: " + describe(result));
  }
  return result;
}

}  // namespace

PgCluster::PgCluster() {
  // As root the server runs as `postgres`, which must be able to reach the directory.
  ::chmod(dir_.path().c_str(), 0755);
  const ProcessResult started = pg_cluster("start", dir_.file("cluster"), "");
  url_ = started.out.substr(0, started.out.find('\n'));
  const auto colon = url_.rfind(':');
  port_ = url_.substr(colon + 1, url_.find('/', colon) - colon - 1);
}

PgCluster::~PgCluster() {
  try {
    pg_cluster("stop", dir_.file("cluster"), "");
  } catch (const std::exception&) {
    // Nothing left to do in a destructor; TempDir removes the files.
  }
}

void PgCluster::stop() { pg_cluster("stop", dir_.file("cluster"), ""); }

void PgCluster::start() { pg_cluster("start", dir_.file("cluster"), port_); }

}  // namespace latchkey::test

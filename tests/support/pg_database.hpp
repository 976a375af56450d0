// A throwaway database per test fixture on the cluster named by LATCHKEY_TEST_DATABASE_URL
// (scripts/pg-cluster start DIR writes that URL to DIR/url), so suites run in parallel.
#pragma once

#include <string>
#include <string_view>

namespace latchkey::test {

inline constexpr const char* kTestDatabaseUrlVariable = "LATCHKEY_TEST_DATABASE_URL";

// The admin URL of the test cluster. Throws std::runtime_error explaining how to provide it
// when the variable is unset: integration tests fail, they never skip.
std::string test_cluster_url();

// `url` (URI or key=value form) naming database `database` instead.
std::string url_with_database(std::string_view url, std::string_view database);

class PgDatabase {
 public:
  // CREATE DATABASE lk_<label>_<pid>_<n>_<random>; `label` is reduced to [a-z0-9_].
  explicit PgDatabase(std::string_view label = "test");
  // On another cluster than the shared test cluster (e.g. a PgCluster a test stops).
  PgDatabase(std::string_view label, std::string admin_url);
  ~PgDatabase();  // DROP DATABASE ... WITH (FORCE): open connections do not keep it alive
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

  // Runs SQL on a new connection to this database; returns the first column of the first
  // row as text ("" when there is none, "NULL" for NULL). For checks in tests.
  std::string query_value(const std::string& sql) const;

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace latchkey::test

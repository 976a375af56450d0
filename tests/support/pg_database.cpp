#include "tests/support/pg_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
#include <stdexcept>

namespace latchkey::test {

std::string test_cluster_url() {
  const char* url = std::getenv(kTestDatabaseUrlVariable);
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        std::string(kTestDatabaseUrlVariable) +
        " is not set. Integration tests need a PostgreSQL cluster: run them through "
        "scripts/test, or `scripts/pg-cluster start /tmp/lk-pg && export " +
        kTestDatabaseUrlVariable + "=$(cat /tmp/lk-pg/url)`");
  }
  return url;
}

std::string url_with_database(std::string_view url, std::string_view database) {
  std::string out(url);
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    const std::size_t authority = out.find("://") + 3;
    const std::size_t path = std::min(out.find_first_of("/?", authority), out.size());
    const std::size_t query = std::min(out.find('?', path), out.size());
    return out.substr(0, path) + "/" + std::string(database) + out.substr(query);
  }
  return out + " dbname=" + std::string(database);  // a later keyword wins in libpq
}

PgDatabase::PgDatabase(std::string_view label) : PgDatabase(label, test_cluster_url()) {}

PgDatabase::PgDatabase(std::string_view label, std::string admin_url)
    : admin_url_(std::move(admin_url)) {
  static std::atomic<int> counter{0};
  std::string clean;
  for (char c : label.substr(0, 20)) {
    clean += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  std::random_device random;
  name_ = "lk_" + clean + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
          std::to_string(random() % 1'000'000);
  url_ = url_with_database(admin_url_, name_);
  pqxx::connection admin(admin_url_);
  pqxx::nontransaction tx(admin);  // CREATE DATABASE cannot run inside a transaction
  tx.exec0("CREATE DATABASE " + tx.quote_name(name_));
}

PgDatabase::~PgDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "warning: could not drop test database " << name_ << ": " << e.what() << "\n";
  }
}

std::string PgDatabase::query_value(const std::string& sql) const {
  pqxx::connection connection(url_);
  pqxx::nontransaction tx(connection);
  const pqxx::result r = tx.exec(sql);
  if (r.empty() || r.columns() == 0) return "";
  return r[0][0].is_null() ? "NULL" : r[0][0].as<std::string>();
}

}  // namespace latchkey::test

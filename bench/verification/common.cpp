#include "bench/verification/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <numeric>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "auth/app_password.hpp"
#include "auth/keyed_hash.hpp"
#include "db/migrations.hpp"

namespace latchkey::bench {

double percentile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p% of the sample at or below it.
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const std::size_t index =
      std::min(sorted.size() - 1, static_cast<std::size_t>(std::max(1.0, rank)) - 1);
  return sorted[index];
}

Summary summarize(std::vector<double> values) {
  Summary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.n = values.size();
  s.min = values.front();
  s.max = values.back();
  s.p10 = percentile_sorted(values, 10);
  s.p50 = percentile_sorted(values, 50);
  s.p90 = percentile_sorted(values, 90);
  s.p99 = percentile_sorted(values, 99);
  s.p999 = percentile_sorted(values, 99.9);
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return s;
}

std::string format_fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string format_ns(double ns) {
  const double magnitude = std::fabs(ns);
  if (magnitude < 1e3) return format_fixed(ns, 0) + " ns";
  if (magnitude < 1e6) return format_fixed(ns / 1e3, magnitude < 1e4 ? 2 : 1) + " us";
  if (magnitude < 1e9) return format_fixed(ns / 1e6, magnitude < 1e7 ? 3 : 2) + " ms";
  return format_fixed(ns / 1e9, 2) + " s";
}

MannWhitney mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
  MannWhitney result;
  const double n1 = static_cast<double>(a.size());
  const double n2 = static_cast<double>(b.size());
  if (a.empty() || b.empty()) return result;
  std::vector<std::pair<double, int>> all;
  all.reserve(a.size() + b.size());
  for (double v : a) all.emplace_back(v, 0);
  for (double v : b) all.emplace_back(v, 1);
  std::sort(all.begin(), all.end());
  const double n = n1 + n2;
  double rank_sum_a = 0;
  double tie_term = 0;  // sum of t^3 - t over groups of ties
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].second == 0) rank_sum_a += average_rank;
    }
    tie_term += t * t * t - t;
    i = j;
  }
  result.u = rank_sum_a - n1 * (n1 + 1) / 2.0;
  const double mean = n1 * n2 / 2.0;
  const double variance = n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1)));
  if (variance <= 0) return result;
  const double deviation = result.u - mean;
  const double corrected =
      deviation == 0 ? 0 : deviation - (deviation > 0 ? 0.5 : -0.5);  // continuity
  result.z = corrected / std::sqrt(variance);
  result.p = std::min(1.0, std::erfc(std::fabs(result.z) / std::sqrt(2.0)));
  return result;
}

namespace {

// Kolmogorov's limiting distribution Q(lambda) = 2 sum (-1)^(j-1) exp(-2 j^2 lambda^2).
double kolmogorov_q(double lambda) {
  const double a2 = -2.0 * lambda * lambda;
  double factor = 2.0, sum = 0.0, previous = 0.0;
  for (int j = 1; j <= 100; ++j) {
    const double term = factor * std::exp(a2 * j * j);
    sum += term;
    if (std::fabs(term) <= 0.001 * previous || std::fabs(term) <= 1e-8 * sum) {
      return std::clamp(sum, 0.0, 1.0);
    }
    factor = -factor;
    previous = std::fabs(term);
  }
  return 1.0;  // no convergence: lambda is tiny, the samples look alike
}

double median_of(std::vector<double>& values) {
  const std::size_t n = values.size();
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (n % 2 == 1) return *middle;
  const double upper = *middle;
  const double lower = *std::max_element(values.begin(), middle);
  return (lower + upper) / 2.0;
}

}  // namespace

KolmogorovSmirnov kolmogorov_smirnov(const std::vector<double>& a, const std::vector<double>& b) {
  KolmogorovSmirnov result;
  if (a.empty() || b.empty()) return result;
  std::vector<double> x(a), y(b);
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  const double n1 = static_cast<double>(x.size());
  const double n2 = static_cast<double>(y.size());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < x.size() && j < y.size()) {
    const double v = std::min(x[i], y[j]);
    while (i < x.size() && x[i] == v) ++i;  // step over ties in both samples together
    while (j < y.size() && y[j] == v) ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / n1 - static_cast<double>(j) / n2));
  }
  result.d = d;
  const double en = std::sqrt(n1 * n2 / (n1 + n2));
  result.p = kolmogorov_q((en + 0.12 + 0.11 / en) * d);
  return result;
}

double hodges_lehmann(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> differences;
  differences.reserve(a.size() * b.size());
  for (double x : a) {
    for (double y : b) differences.push_back(x - y);
  }
  if (differences.empty()) return 0;
  return median_of(differences);
}

Interval bootstrap_median_difference(const std::vector<double>& a, const std::vector<double>& b,
                                     int resamples, std::mt19937_64& rng) {
  Interval interval;
  if (a.empty() || b.empty() || resamples <= 0) return interval;
  std::uniform_int_distribution<std::size_t> pick_a(0, a.size() - 1), pick_b(0, b.size() - 1);
  std::vector<double> ra(a.size()), rb(b.size()), differences;
  differences.reserve(static_cast<std::size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    for (double& v : ra) v = a[pick_a(rng)];
    for (double& v : rb) v = b[pick_b(rng)];
    differences.push_back(median_of(ra) - median_of(rb));
  }
  std::sort(differences.begin(), differences.end());
  interval.low = percentile_sorted(differences, 2.5);
  interval.high = percentile_sorted(differences, 97.5);
  return interval;
}

Options::Options(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument: " + arg);
    const std::size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string value = eq == std::string::npos ? std::string(1, '1') : arg.substr(eq + 1);
    values_.insert_or_assign(std::move(name), std::move(value));
  }
}

std::string Options::get(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

long long Options::get_int(const std::string& name, long long fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::size_t used = 0;
  const long long value = std::stoll(it->second, &used);
  if (used != it->second.size()) {
    // Appended piecewise: g++ 12 -O3 warns (-Wrestrict, a false positive) on "--" + name + ...
    std::string message = "--";
    message += name;
    message += " wants a number";
    throw std::invalid_argument(message);
  }
  return value;
}

std::string cluster_url(const Options& options) {
  std::string url = options.get("url", "");
  if (url.empty()) {
    const char* from_env = std::getenv("LATCHKEY_BENCH_DATABASE_URL");
    if (from_env != nullptr) url = from_env;
  }
  if (url.empty()) {
    throw std::runtime_error(
        "no database: pass --url=URL or set LATCHKEY_BENCH_DATABASE_URL (bench/verification/run "
        "starts a throwaway cluster with scripts/pg-cluster and does this for you)");
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

BenchDatabase::BenchDatabase(std::string admin_url, std::string name)
    : admin_url_(std::move(admin_url)), name_(std::move(name)) {
  url_ = url_with_database(admin_url_, name_);
  {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);  // CREATE DATABASE cannot run inside a transaction
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    tx.exec0("CREATE DATABASE " + tx.quote_name(name_));
  }
  pqxx::connection connection(url_);
  db::apply_migrations(connection);
}

BenchDatabase::~BenchDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "warning: could not drop database " << name_ << ": " << e.what() << "\n";
  }
}

std::string bench_username(int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "user%05d", i);
  return buffer;
}

std::vector<SeededUser> seed(const std::string& url, int users, int per_user,
                             const std::string& pepper, const std::string& account_password_hash) {
  const auth::KeyedHasher hasher(pepper);
  std::vector<SeededUser> seeded(static_cast<std::size_t>(users));
  std::string digests;  // comma-separated hex, user 1's passwords first
  digests.reserve(static_cast<std::size_t>(users * per_user) * 65);
  for (int i = 0; i < users; ++i) {
    SeededUser& user = seeded[static_cast<std::size_t>(i)];
    user.username = bench_username(i + 1);
    for (int k = 0; k < per_user; ++k) {
      std::string canonical = auth::generate_app_password();
      if (!digests.empty()) digests.push_back(',');
      digests += auth::to_hex(hasher.digest(auth::kAppPasswordDigestLabel, canonical));
      user.app_passwords.push_back(std::move(canonical));
    }
  }
  pqxx::connection connection(url);
  {
    pqxx::work tx(connection, "seed");
    // The columns of db/admin_repository.cpp's kInsertUser and kInsertAppPassword.
    tx.exec_params(
        "INSERT INTO users (username, email, password_hash) "
        "SELECT 'user' || lpad(g::text, 5, '0'), 'user' || g || '@bench.example', $1 "
        "FROM generate_series(1, $2::int) AS g",
        account_password_hash, users);
    if (per_user > 0) {
      tx.exec_params(
          "INSERT INTO app_passwords (user_id, name, hash) "
          "SELECT u.id, 'device-' || ((t.n - 1) % $2::int + 1), decode(t.h, 'hex') "
          "FROM unnest(string_to_array($1, ',')) WITH ORDINALITY AS t(h, n) "
          "JOIN users u ON lower(u.username) = "
          "  lower('user' || lpad(((t.n - 1) / $2::int + 1)::text, 5, '0'))",
          digests, per_user);
    }
    tx.commit();
  }
  pqxx::nontransaction tx(connection);
  // As autovacuum would leave a database in use: statistics, hint bits, visibility map.
  tx.exec0("VACUUM (ANALYZE) users");
  tx.exec0("VACUUM (ANALYZE) app_passwords");
  const pqxx::row counts =
      tx.exec1("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM app_passwords)");
  if (counts[0].as<long long>() != users ||
      counts[1].as<long long>() != static_cast<long long>(users) * per_user) {
    throw std::runtime_error("seeding produced " + counts[0].as<std::string>() + " users and " +
                             counts[1].as<std::string>() + " application passwords");
  }
  return seeded;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

long long cpu_stall_us() {
  std::ifstream in("/proc/pressure/cpu");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("some ", 0) != 0) continue;
    const std::size_t total = line.find("total=");
    if (total == std::string::npos) return -1;
    return std::stoll(line.substr(total + 6));
  }
  return -1;
}

std::string stall_share(long long before_us, long long after_us, double wall_ns) {
  if (before_us < 0 || after_us < 0 || wall_ns <= 0) return "n/a";
  const double share = static_cast<double>(after_us - before_us) * 1e3 / wall_ns;
  return format_fixed(std::min(100.0, share * 100), 0) + "%";
}

}  // namespace latchkey::bench

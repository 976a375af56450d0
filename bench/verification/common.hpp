// Shared pieces of the verification benchmarks: timing summaries, two-sample tests, command
// line options, and a throwaway database seeded with users and application passwords.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::bench {

using Clock = std::chrono::steady_clock;

inline double elapsed_ns(Clock::time_point from, Clock::time_point to) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

// Nearest-rank percentiles of a sample (values in nanoseconds).
struct Summary {
  std::size_t n = 0;
  double min = 0, p10 = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};
Summary summarize(std::vector<double> values);
double percentile_sorted(const std::vector<double>& sorted, double p);  // p in [0, 100]

// "812 ns", "3.41 us", "1.27 ms", "41.3 ms".
std::string format_ns(double ns);
std::string format_fixed(double value, int decimals);

// Two-sided two-sample tests; a and b are independent samples.
struct MannWhitney {
  double u = 0;  // U of sample a
  double z = 0;  // normal approximation with tie and continuity correction
  double p = 1;
};
MannWhitney mann_whitney(const std::vector<double>& a, const std::vector<double>& b);

struct KolmogorovSmirnov {
  double d = 0;
  double p = 1;  // asymptotic (Numerical Recipes' effective-n form)
};
KolmogorovSmirnov kolmogorov_smirnov(const std::vector<double>& a, const std::vector<double>& b);

// Hodges-Lehmann shift: the median of all differences a_i - b_j.
double hodges_lehmann(const std::vector<double>& a, const std::vector<double>& b);

// Percentile bootstrap 95% interval of median(a) - median(b).
struct Interval {
  double low = 0, high = 0;
};
Interval bootstrap_median_difference(const std::vector<double>& a, const std::vector<double>& b,
                                     int resamples, std::mt19937_64& rng);

// --name=value options; a bare --name is "1".
class Options {
 public:
  Options(int argc, char** argv);
  std::string get(const std::string& name, const std::string& fallback) const;
  long long get_int(const std::string& name, long long fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

// The cluster URL: --url, else LATCHKEY_BENCH_DATABASE_URL. Throws when neither is set.
std::string cluster_url(const Options& options);

// `url` (URI or key=value form) naming database `database` instead.
std::string url_with_database(std::string_view url, std::string_view database);

// CREATE DATABASE on construction (replacing a leftover of the same name), migrations applied
// with db::apply_migrations; DROP ... WITH (FORCE) on destruction.
class BenchDatabase {
 public:
  BenchDatabase(std::string admin_url, std::string name);
  ~BenchDatabase();
  BenchDatabase(const BenchDatabase&) = delete;
  BenchDatabase& operator=(const BenchDatabase&) = delete;
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

struct SeededUser {
  std::string username;
  std::vector<std::string> app_passwords;  // canonical form
};

// `users` accounts named user00001.. (all with `account_password_hash`, an Argon2id PHC string),
// each with `per_user` live application passwords stored as
// KeyedHasher(pepper).digest("app_password", canonical), in a few set-based statements.
std::vector<SeededUser> seed(const std::string& url, int users, int per_user,
                             const std::string& pepper, const std::string& account_password_hash);

std::string bench_username(int i);  // user00001 for 1

// Machine context for the report.
std::string load_average();

// Linux pressure stall information: microseconds in which some runnable task waited for a CPU
// (the "some" total of /proc/pressure/cpu), or -1 where the kernel does not offer it. On a
// shared machine this tells a slow tail caused by others' load from one caused by the code.
long long cpu_stall_us();
// "37%" of `wall_ns` stalled between two cpu_stall_us readings, or "n/a".
std::string stall_share(long long before_us, long long after_us, double wall_ns);

}  // namespace latchkey::bench

// Cold credential cost: Authenticator::verify for a valid application password on a cache
// miss, through db::PgCredentialStore over a db::ConnectionPool to a loopback PostgreSQL.
// Spread over 10,000 users x 3 application passwords (each verified once, in random order),
// compared with one user's one password verified over and over.
// Target (issue 4): under 2 ms at p99; throughput with 10,000 users within 10% of one user.
//
//   lk_bench_cold_credential --url=URL (or LATCHKEY_BENCH_DATABASE_URL)
//       [--users=10000] [--per-user=3] [--single=10000] [--pool=2] [--threads=2] [--blocks=10]
// The spread and the one-user workloads run in alternating blocks (--blocks of each).

#include <algorithm>
#include <atomic>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "auth/app_password.hpp"
#include "auth/authenticator.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/password_hash.hpp"
#include "auth/random.hpp"
#include "bench/verification/common.hpp"
#include "db/connection_pool.hpp"
#include "db/pg_credential_store.hpp"

namespace auth = latchkey::auth;
namespace db = latchkey::db;
using namespace latchkey::bench;

namespace {

constexpr double kTargetP99Ns = 2'000'000;
constexpr auto kAcquireWait = std::chrono::seconds(5);

struct Run {
  std::vector<double> latencies;
  double wall_ns = 0;
  long long stall_us = 0;  // CPU pressure during the run (cpu_stall_us); -1 if unknown
};

// `threads` threads share `work` (thread t takes items t, t + threads, ...), timing each call.
Run verify_all(const auth::Authenticator& authenticator, const auth::Policy& policy,
               const std::vector<const auth::BasicCredentials*>& work, int threads) {
  std::vector<std::vector<double>> per_thread(static_cast<std::size_t>(threads));
  std::atomic<long long> refused{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double>& latencies = per_thread[static_cast<std::size_t>(t)];
      latencies.reserve(work.size() / static_cast<std::size_t>(threads) + 1);
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      for (std::size_t i = static_cast<std::size_t>(t); i < work.size();
           i += static_cast<std::size_t>(threads)) {
        const Clock::time_point start = Clock::now();
        const auth::Decision decision = authenticator.verify(*work[i], policy);
        const Clock::time_point end = Clock::now();
        latencies.push_back(elapsed_ns(start, end));
        if (!decision.allowed() ||
            decision.identity->credential != auth::CredentialType::app_password) {
          if (refused.fetch_add(1) == 0) {
            std::cerr << "refused: " << auth::to_string(decision.reason) << "\n";
          }
        }
      }
    });
  }
  while (ready.load() < threads) {
  }
  const long long stall_before = cpu_stall_us();
  const Clock::time_point start = Clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& w : workers) w.join();
  const long long stall_after = cpu_stall_us();
  if (refused.load() != 0) {
    throw std::runtime_error(std::to_string(refused.load()) + " valid credentials were refused");
  }
  Run run;
  run.wall_ns = elapsed_ns(start, Clock::now());
  run.stall_us = stall_before >= 0 && stall_after >= 0 ? stall_after - stall_before : -1;
  for (auto& v : per_thread) run.latencies.insert(run.latencies.end(), v.begin(), v.end());
  return run;
}

// The two workloads in alternating blocks (spread, one user, spread, ...), so that the load
// of a shared machine drifting over the run weighs on both alike.
std::pair<Run, Run> interleaved(const auth::Authenticator& authenticator,
                                const auth::Policy& policy,
                                const std::vector<const auth::BasicCredentials*>& spread,
                                const std::vector<const auth::BasicCredentials*>& one_user,
                                int threads, int blocks) {
  std::pair<Run, Run> runs;
  auto slice = [blocks](const std::vector<const auth::BasicCredentials*>& all, int block) {
    const std::size_t from =
        all.size() * static_cast<std::size_t>(block) / static_cast<std::size_t>(blocks);
    const std::size_t to =
        all.size() * static_cast<std::size_t>(block + 1) / static_cast<std::size_t>(blocks);
    return std::vector<const auth::BasicCredentials*>(
        all.begin() + static_cast<std::ptrdiff_t>(from),
        all.begin() + static_cast<std::ptrdiff_t>(to));
  };
  for (int block = 0; block < blocks; ++block) {
    for (int which = 0; which < 2; ++which) {
      Run& into = which == 0 ? runs.first : runs.second;
      const Run part =
          verify_all(authenticator, policy, slice(which == 0 ? spread : one_user, block), threads);
      into.latencies.insert(into.latencies.end(), part.latencies.begin(), part.latencies.end());
      into.wall_ns += part.wall_ns;
      into.stall_us = into.stall_us < 0 || part.stall_us < 0 ? -1 : into.stall_us + part.stall_us;
    }
  }
  return runs;
}

double throughput(const Run& run) {
  return static_cast<double>(run.latencies.size()) / (run.wall_ns / 1e9);
}

void row(const std::string& name, const Run& run, bool with_target) {
  const Summary s = summarize(run.latencies);
  std::cout << "| " << name << " | " << s.n << " | " << format_ns(s.p50) << " | "
            << format_ns(s.p90) << " | " << format_ns(s.p99) << " | " << format_ns(s.max) << " | "
            << format_fixed(throughput(run), 0) << "/s | "
            << (run.stall_us >= 0 ? stall_share(0, run.stall_us, run.wall_ns) : "n/a") << " | ";
  if (with_target) {
    if (s.p99 < kTargetP99Ns) {
      std::cout << "MET (p99 " << format_ns(s.p99) << ", " << format_fixed(kTargetP99Ns / s.p99, 1)
                << "x under 2 ms)";
    } else {
      std::cout << "MISSED by " << format_ns(s.p99 - kTargetP99Ns);
    }
  } else {
    std::cout << "-";
  }
  std::cout << " |\n";
}

// One round trip, or the three of a read-only transaction (BEGIN READ ONLY, query, COMMIT),
// on a pooled connection: what a lookup costs before the query itself.
template <typename Tx>
Run round_trips(db::ConnectionPool& pool, int count) {
  Run run;
  run.latencies.reserve(static_cast<std::size_t>(count));
  const long long stall_before = cpu_stall_us();
  const Clock::time_point all = Clock::now();
  for (int i = 0; i < count; ++i) {
    const Clock::time_point start = Clock::now();
    pool.run(kAcquireWait, [](pqxx::connection& connection) {
      Tx tx(connection);
      tx.exec("SELECT 1");
      tx.commit();
    });
    run.latencies.push_back(elapsed_ns(start, Clock::now()));
  }
  run.wall_ns = elapsed_ns(all, Clock::now());
  const long long stall_after = cpu_stall_us();
  run.stall_us = stall_before >= 0 && stall_after >= 0 ? stall_after - stall_before : -1;
  return run;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options options(argc, argv);
  const std::string admin_url = cluster_url(options);
  const int users = static_cast<int>(options.get_int("users", 10'000));
  const int per_user = static_cast<int>(options.get_int("per-user", 3));
  const int single = static_cast<int>(options.get_int("single", 10'000));
  const int pool_size = static_cast<int>(options.get_int("pool", 2));
  const int threads = static_cast<int>(options.get_int("threads", 2));

  const std::string pepper = auth::random_bytes(32);
  BenchDatabase database(admin_url, "lk_bench_cold_credential");
  const Clock::time_point seed_start = Clock::now();
  const std::vector<SeededUser> seeded =
      seed(database.url(), users, per_user, pepper, auth::hash_password(auth::random_bytes(24)));
  const double seed_ns = elapsed_ns(seed_start, Clock::now());

  db::ConnectionPool pool(database.url(), pool_size);
  db::PgCredentialStore store(pool);
  const auth::KeyedHasher hasher(pepper);
  const auth::Authenticator authenticator(store, hasher);
  const auth::Policy policy{};  // app passwords; account passwords unless TOTP (the default)

  // What clients send: the formatted password (dashes), the username as stored.
  std::vector<auth::BasicCredentials> credentials;
  for (const SeededUser& user : seeded) {
    for (const std::string& canonical : user.app_passwords) {
      credentials.push_back({user.username, auth::format_app_password(canonical)});
    }
  }
  std::vector<const auth::BasicCredentials*> spread;
  for (const auto& c : credentials) spread.push_back(&c);
  std::mt19937_64 rng(7);
  std::shuffle(spread.begin(), spread.end(), rng);
  const std::vector<const auth::BasicCredentials*> one_user(static_cast<std::size_t>(single),
                                                            &credentials.front());

  std::cout << "### Cold credential (cache miss, loopback PostgreSQL)\n\n";
  std::cout << "database: " << users << " users x " << per_user
            << " app passwords = " << credentials.size() << " credentials, seeded in "
            << format_ns(seed_ns) << "; pool of " << pool_size
            << " connections; policy: app passwords accepted; "
            << "every verification is Authenticator::verify with no cache in front; "
            << "load average " << load_average() << "; CPU pressure: share of wall time in "
            << "which some runnable task on the machine waited for a CPU (/proc/pressure/cpu; "
            << "the two workloads of a thread count alternate in blocks and share one figure)"
            << "\n\n";

  // Open the pool's connections (prepared statements) and warm PostgreSQL's buffers.
  {
    std::vector<const auth::BasicCredentials*> warm(
        spread.begin(), spread.begin() + std::min<std::size_t>(spread.size(), 500));
    verify_all(authenticator, policy, warm, pool_size);
  }

  std::cout << "| measurement | verifications | p50 | p90 | p99 | max | throughput | "
               "CPU pressure | target p99 < 2 ms |\n"
            << "|---|---|---|---|---|---|---|---|---|\n";
  const int blocks = static_cast<int>(options.get_int("blocks", 10));
  const auto [spread_1, single_1] = interleaved(authenticator, policy, spread, one_user, 1, blocks);
  row("10,000 users x 3, each once, 1 thread", spread_1, true);
  row("1 user, 1 password, 1 thread", single_1, true);
  std::shuffle(spread.begin(), spread.end(), rng);
  const auto [spread_n, single_n] =
      interleaved(authenticator, policy, spread, one_user, threads, blocks);
  row("10,000 users x 3, each once, " + std::to_string(threads) + " threads", spread_n, true);
  row("1 user, 1 password, " + std::to_string(threads) + " threads", single_n, true);
  const Run trip = round_trips<pqxx::nontransaction>(pool, 5'000);
  row("context: SELECT 1 (1 round trip)", trip, false);
  const Run read_tx = round_trips<pqxx::read_transaction>(pool, 5'000);
  row("context: SELECT 1 in a read_transaction (3 round trips)", read_tx, false);

  std::cout << "\nthroughput, 10,000 users vs 1 user (issue 4: within 10%):\n";
  for (const auto& [label, many, one] :
       {std::tuple{std::string("1 thread"), &spread_1, &single_1},
        std::tuple{std::to_string(threads) + " threads", &spread_n, &single_n}}) {
    const double ratio = throughput(*many) / throughput(*one);
    std::cout << "- " << label << ": " << format_fixed(throughput(*many), 0) << "/s vs "
              << format_fixed(throughput(*one), 0) << "/s = " << format_fixed(ratio * 100, 1)
              << "% ("
              << (ratio >= 0.9 ? "MET: not more than 10% lower" : "MISSED: more than 10% lower")
              << ")\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "lk_bench_cold_credential: " << e.what() << "\n";
  return 1;
}

// Cached verification cost: VerifiedCache::find hits (one keyed HMAC-SHA-256, a map lookup
// under the mutex, an LRU splice and a copy of the Identity), timed one call at a time over
// a cache holding 10,000 users x 3 application passwords, on 1 and 2 threads.
// Target (issue 4): a cached verification adds under 5 us per request.
//
//   lk_bench_cache_hit [--ops=N per thread, default 2000000] [--users=10000] [--per-user=3]

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "auth/app_password.hpp"
#include "auth/authorization_header.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/random.hpp"
#include "auth/verified_cache.hpp"
#include "bench/verification/common.hpp"

namespace auth = latchkey::auth;
using namespace latchkey::bench;

namespace {

constexpr double kTargetNs = 5'000;

struct Entry {
  std::string username;
  std::string secret;  // as the client types it: "abcd-efgh-jkmn-pqrs"
  std::string header;  // "Basic base64(username:secret)"
};

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::atomic<std::uint64_t> sink{0};  // keeps results observable so nothing is optimised away

struct Run {
  std::vector<double> latencies;  // every thread's, concatenated
  double wall_ns = 0;
  long long stall_us = -1;  // CPU pressure during the run (cpu_stall_us), -1 if unknown
  long long ops = 0;
  long long failures = 0;
  long long voluntary_switches = 0;    // the thread slept (a contended futex, for one)
  long long involuntary_switches = 0;  // the thread was preempted (2 shared cores)
};

std::pair<long long, long long> context_switches() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return {usage.ru_nvcsw, usage.ru_nivcsw};
}

// `threads` threads each call op(entry) `ops` times, timing every call; they start together.
template <typename Op>
Run timed_run(int threads, long long ops, const std::vector<Entry>& entries,
              const std::vector<std::uint32_t>& order, Op op) {
  std::vector<std::vector<double>> per_thread(static_cast<std::size_t>(threads));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<long long> failures{0};
  std::atomic<long long> voluntary{0}, involuntary{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<double>& latencies = per_thread[static_cast<std::size_t>(t)];
      latencies.resize(static_cast<std::size_t>(ops));
      const std::size_t mask = order.size() - 1;
      std::size_t position = static_cast<std::size_t>(t) * 7919;  // threads walk apart
      std::uint64_t local = 0;
      long long failed = 0;
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      const auto switches_before = context_switches();
      for (long long i = 0; i < ops; ++i) {
        const Entry& entry = entries[order[position++ & mask]];
        const Clock::time_point start = Clock::now();
        const std::uint64_t result = op(entry, t);
        const Clock::time_point end = Clock::now();
        latencies[static_cast<std::size_t>(i)] = elapsed_ns(start, end);
        if (result == 0) ++failed;
        local += result;
      }
      const auto switches_after = context_switches();
      voluntary.fetch_add(switches_after.first - switches_before.first);
      involuntary.fetch_add(switches_after.second - switches_before.second);
      sink.fetch_add(local);
      failures.fetch_add(failed);
    });
  }
  while (ready.load() < threads) {
  }
  const long long stall_before = cpu_stall_us();
  const Clock::time_point start = Clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& w : workers) w.join();
  Run run;
  run.wall_ns = elapsed_ns(start, Clock::now());
  const long long stall_after = cpu_stall_us();
  if (stall_before >= 0 && stall_after >= 0) run.stall_us = stall_after - stall_before;
  run.ops = ops * threads;
  run.failures = failures.load();
  run.voluntary_switches = voluntary.load();
  run.involuntary_switches = involuntary.load();
  for (auto& v : per_thread) run.latencies.insert(run.latencies.end(), v.begin(), v.end());
  return run;
}

// Mean cost without a clock read around each call.
template <typename Op>
double batch_mean_ns(long long ops, const std::vector<Entry>& entries,
                     const std::vector<std::uint32_t>& order, Op op) {
  const std::size_t mask = order.size() - 1;
  std::uint64_t local = 0;
  const Clock::time_point start = Clock::now();
  for (long long i = 0; i < ops; ++i) {
    local += op(entries[order[static_cast<std::size_t>(i) & mask]], 0);
  }
  const double ns = elapsed_ns(start, Clock::now());
  sink.fetch_add(local);
  return ns / static_cast<double>(ops);
}

double timer_overhead_ns() {
  std::vector<double> samples(1'000'000);
  for (double& s : samples) {
    const Clock::time_point a = Clock::now();
    const Clock::time_point b = Clock::now();
    s = elapsed_ns(a, b);
  }
  return summarize(std::move(samples)).p50;
}

void row(const std::string& name, const Run& run, double batch_mean, bool with_target) {
  const Summary s = summarize(run.latencies);
  const double throughput = static_cast<double>(run.ops) / (run.wall_ns / 1e9);
  std::cout << "| " << name << " | " << s.n << " | " << format_ns(s.p50) << " | "
            << format_ns(s.p99) << " | " << format_ns(s.p999) << " | " << format_ns(s.max) << " | "
            << (batch_mean > 0 ? format_ns(batch_mean) : std::string("-")) << " | "
            << format_fixed(throughput / 1e6, 2) << " M/s | " << run.voluntary_switches << " / "
            << run.involuntary_switches << " | "
            << (run.stall_us >= 0 ? stall_share(0, run.stall_us, run.wall_ns) : "n/a") << " | ";
  if (with_target) {
    std::cout << (s.p99 < kTargetNs ? "MET" : "MISSED") << " (p99 " << format_ns(s.p99)
              << " vs 5 us)";
  } else {
    std::cout << "-";
  }
  std::cout << " |\n";
  if (run.failures != 0) {
    std::cerr << name << ": " << run.failures << " calls did not hit\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const Options options(argc, argv);
  const long long ops = options.get_int("ops", 2'000'000);
  const int users = static_cast<int>(options.get_int("users", 10'000));
  const int per_user = static_cast<int>(options.get_int("per-user", 3));

  // As app/command_serve.cpp builds it: a random 32-byte key; a TTL that outlives the run.
  auth::VerifiedCache cache(auth::random_bytes(32), std::chrono::minutes(30), 100'000);
  // A control: one cache per thread, the same entries, no mutex shared between the threads.
  auth::VerifiedCache own_cache_0(auth::random_bytes(32), std::chrono::minutes(30), 100'000);
  auth::VerifiedCache own_cache_1(auth::random_bytes(32), std::chrono::minutes(30), 100'000);
  auth::VerifiedCache* own_caches[] = {&own_cache_0, &own_cache_1};
  std::vector<Entry> entries;
  entries.reserve(static_cast<std::size_t>(users * per_user));
  for (int i = 1; i <= users; ++i) {
    for (int k = 1; k <= per_user; ++k) {
      Entry entry;
      entry.username = bench_username(i);
      entry.secret = auth::format_app_password(auth::generate_app_password());
      entry.header = "Basic " + base64(entry.username + ":" + entry.secret);
      auth::Identity identity;
      identity.user_id = i;
      identity.username = entry.username;
      identity.email = entry.username + "@bench.example";
      identity.credential = auth::CredentialType::app_password;
      identity.app_password_id = (i - 1) * per_user + k;
      identity.app_password_name = "device-" + std::to_string(k);
      cache.insert(entry.username, entry.secret, identity);
      for (auth::VerifiedCache* own : own_caches)
        own->insert(entry.username, entry.secret, identity);
      entries.push_back(std::move(entry));
    }
  }
  std::vector<std::uint32_t> order(1u << 16);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint32_t> pick(0,
                                                    static_cast<std::uint32_t>(entries.size() - 1));
  for (auto& o : order) o = pick(rng);

  auto find_hit = [&cache](const Entry& e, int) -> std::uint64_t {
    const auto identity = cache.find(e.username, e.secret);
    return identity ? static_cast<std::uint64_t>(identity->user_id) : 0;
  };
  auto find_own_cache = [&own_caches](const Entry& e, int thread) -> std::uint64_t {
    const auto identity = own_caches[thread]->find(e.username, e.secret);
    return identity ? static_cast<std::uint64_t>(identity->user_id) : 0;
  };
  // The cache key alone: the HMAC inside find (same label and message layout).
  const auth::KeyedHasher hasher(auth::random_bytes(32));
  auto hmac_only = [&hasher](const Entry& e, int) -> std::uint64_t {
    std::string message;
    message.reserve(e.username.size() + 1 + e.secret.size());
    message.append(e.username);
    message.push_back('\0');
    message.append(e.secret);
    return hasher.digest("cache", message)[0] | 1u;
  };
  // What a proxied request with a cached credential does in proxy/authenticate_request.cpp:
  // parse the header, find, check the route policy.
  const auth::Policy policy{};
  auto whole_path = [&cache, &policy](const Entry& e, int) -> std::uint64_t {
    const auth::Authorization parsed = auth::parse_authorization(e.header);
    const auto* basic = std::get_if<auth::BasicCredentials>(&parsed);
    if (basic == nullptr) return 0;
    const auto identity = cache.find(basic->username, basic->password);
    return identity && auth::policy_admits(policy, *identity)
               ? static_cast<std::uint64_t>(identity->user_id)
               : 0;
  };

  std::cout << "### Cached verification (VerifiedCache::find hit)\n\n";
  std::cout << "cache: " << cache.size() << " entries (" << users << " users x " << per_user
            << " app passwords), key: random 32 bytes, secret typed as xxxx-xxxx-xxxx-xxxx; " << ops
            << " timed calls per thread; load average " << load_average() << "\n";
  const double overhead = timer_overhead_ns();
  std::cout << "clock overhead (two steady_clock::now, median): " << format_ns(overhead)
            << " -- included in every per-call figure below. CPU pressure: share of the run's "
               "wall time in which some runnable task on the machine waited for a CPU "
               "(/proc/pressure/cpu); high values mean the tails measure others' load\n\n";

  // Warm the caches and the allocator.
  timed_run(1, std::min<long long>(ops, 200'000), entries, order, find_hit);

  std::cout << "| measurement | calls | p50 | p99 | p99.9 | max | mean (untimed loop) | "
               "throughput | context switches (slept / preempted) | CPU pressure | "
               "target < 5 us |\n"
            << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  const Run one = timed_run(1, ops, entries, order, find_hit);
  row("find hit, 1 thread", one, batch_mean_ns(ops, entries, order, find_hit), true);
  const Run two = timed_run(2, ops, entries, order, find_hit);
  row("find hit, 2 threads (each)", two, 0, true);
  const Run own = timed_run(2, ops / 2, entries, order, find_own_cache);
  row("control: find hit, 2 threads, one cache each (no shared mutex)", own, 0, false);
  const Run hmac = timed_run(1, ops / 2, entries, order, hmac_only);
  row("HMAC-SHA-256 alone (part of find)", hmac, batch_mean_ns(ops / 2, entries, order, hmac_only),
      false);
  const Run hmac_two = timed_run(2, ops / 2, entries, order, hmac_only);
  row("HMAC-SHA-256 alone, 2 threads (each)", hmac_two, 0, false);
  const Run whole = timed_run(1, ops / 2, entries, order, whole_path);
  row("parse header + find + policy_admits", whole,
      batch_mean_ns(ops / 2, entries, order, whole_path), true);
  const auto stats = cache.stats();
  std::cout << "\ncache stats after the run: hits " << stats.hits << ", misses " << stats.misses
            << ", evictions " << stats.evictions << "\n";
  if (stats.misses != 0) {
    std::cerr << "unexpected misses\n";
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "lk_bench_cache_hit: " << e.what() << "\n";
  return 1;
}

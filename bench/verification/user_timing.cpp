// Unknown users cost the same work and time as known ones (issue 4, "Brute force"), tested
// statistically: Authenticator::verify through db::PgCredentialStore for
//   A: a known user (each sample a different one, so none gets locked) with a wrong secret,
//   B: an unknown user with a wrong secret,
// timed alternately in counterbalanced pairs (AB BA AB ...; --order=abab for AB AB ...) on a
// route that allows account passwords (so both pay an Argon2id verification with the
// default parameters), once with account-password-shaped
// secrets and once with application-password-shaped ones (valid check symbol, not stored);
// then on an app-password-only route, where neither reaches Argon2id. Reports medians, the
// difference, a Hodges-Lehmann shift, a bootstrap interval of the median difference, and
// two-sided Mann-Whitney U and two-sample Kolmogorov-Smirnov p-values. The claim under test
// is "no detectable difference"; a p-value under 0.05 is reported as a detected difference.
//
//   lk_bench_user_timing --url=URL (or LATCHKEY_BENCH_DATABASE_URL)
//       [--samples=400 per group] [--app-only-samples=2000] [--users=10000] [--csv=PATH]
//       [--order=abba (default: AB BA AB ...) | abab (strictly A first in every pair)]
//       [--failure-recording=inline|deferred (default: deferred where the build has it)]

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
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

constexpr double kAlpha = 0.05;

struct Comparison {
  std::string name;
  std::vector<double> known, unknown;              // ns, whole verify
  std::vector<double> known_store, unknown_store;  // ns of it spent in the credential store
  std::vector<int> known_calls, unknown_calls;     // store calls per verify
  std::map<std::string, int> known_reasons, unknown_reasons;
};

// Forwards to the real store and adds up the time spent in it, so that a difference in the
// total splits into database work and the rest (Argon2id, hashing, logic).
class TimingStore : public auth::CredentialStore {
 public:
  explicit TimingStore(auth::CredentialStore& inner) : inner_(inner) {}
  void reset() {
    ns_ = 0;
    calls_ = 0;
  }
  double ns() const { return ns_; }
  int calls() const { return calls_; }

  std::optional<auth::UserRecord> find_user(std::string_view username) override {
    return timed([&] { return inner_.find_user(username); });
  }
  std::optional<auth::AppPasswordMatch> find_app_password(const auth::Digest& hash) override {
    return timed([&] { return inner_.find_app_password(hash); });
  }
  auth::LockState record_failed_login(std::int64_t user_id,
                                      const auth::LockPolicy& policy) override {
    return timed([&] { return inner_.record_failed_login(user_id, policy); });
  }
  void record_successful_login(std::int64_t user_id) override {
    timed([&] {
      inner_.record_successful_login(user_id);
      return 0;
    });
  }

 private:
  template <typename F>
  std::invoke_result_t<F&> timed(F f) {
    const Clock::time_point start = Clock::now();
    auto result = f();
    ns_ += elapsed_ns(start, Clock::now());
    ++calls_;
    return result;
  }
  auth::CredentialStore& inner_;
  double ns_ = 0;
  int calls_ = 0;
};

TimingStore* timing_store = nullptr;  // the one the authenticator under test uses
bool counterbalance = true;           // --order=abba (default) or abab

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// A wrong account password: 22 characters that fail the application-password check.
std::string account_shaped_secret() {
  return "Wrong-" + hex(auth::random_bytes(8));
}

// A well-formed application password (valid check symbol) that nobody holds.
std::string app_shaped_secret() {
  return auth::format_app_password(auth::generate_app_password());
}

std::string unknown_username(int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "gone%05d", i);  // as long as user00001
  return buffer;
}

// The build's Authenticator may defer the failure write (FailureRecording::deferred, as the
// proxy does: verify only reports the failure and the proxy writes it after answering). The
// templates below use it when the build has it, so this file compiles against either API.
template <typename A>
concept HasDeferredRecording = requires {
  A::FailureRecording::deferred;
};

template <typename A>
std::unique_ptr<A> make_authenticator(auth::CredentialStore& store, const auth::KeyedHasher& hasher,
                                      bool deferred) {
  if constexpr (HasDeferredRecording<A>) {
    return std::make_unique<A>(
        store, hasher, auth::LockPolicy{},
        deferred ? A::FailureRecording::deferred : A::FailureRecording::inline_);
  } else {
    if (deferred) {
      throw std::invalid_argument("this build's Authenticator has no deferred failure recording");
    }
    return std::make_unique<A>(store, hasher);
  }
}

// What the proxy does once the answer is on its way (untimed here, as it is off the
// response path there).
template <typename A, typename D>
void after_answer(const A& authenticator, const D& decision) {
  if constexpr (requires(const A& a, const D& d) {
                  d.failed_user_id;
                  a.record_failure(std::int64_t{});
                }) {
    if (decision.failed_user_id) authenticator.record_failure(*decision.failed_user_id);
  }
}

struct Timed {
  double ns = 0;        // the whole verify
  double store_ns = 0;  // of which in the credential store
  int store_calls = 0;
};

Timed time_verify(const auth::Authenticator& authenticator, const auth::Policy& policy,
                  const auth::BasicCredentials& credentials, std::map<std::string, int>& reasons) {
  timing_store->reset();
  const Clock::time_point start = Clock::now();
  const auth::Decision decision = authenticator.verify(credentials, policy);
  const double ns = elapsed_ns(start, Clock::now());
  const Timed timed{ns, timing_store->ns(), timing_store->calls()};
  ++reasons[std::string(auth::to_string(decision.reason))];
  after_answer(authenticator, decision);
  return timed;
}

Comparison compare(const std::string& name, const auth::Authenticator& authenticator,
                   const auth::Policy& policy, int samples, int& next_known, int& next_unknown,
                   std::string (*secret)()) {
  Comparison c;
  c.name = name;
  c.known.reserve(static_cast<std::size_t>(samples));
  c.unknown.reserve(static_cast<std::size_t>(samples));
  for (int i = 0; i < samples; ++i) {
    // Secrets are drawn before the clock starts. A and B alternate; with --order=abba the
    // pairs alternate too (AB BA AB ...), so neither group always runs first after the
    // credentials are drawn: strict ABAB showed a position effect of about 1 us.
    const auth::BasicCredentials known{bench_username(next_known++), secret()};
    const auth::BasicCredentials unknown{unknown_username(next_unknown++), secret()};
    auto time_known = [&] {
      const Timed t = time_verify(authenticator, policy, known, c.known_reasons);
      c.known.push_back(t.ns);
      c.known_store.push_back(t.store_ns);
      c.known_calls.push_back(t.store_calls);
    };
    auto time_unknown = [&] {
      const Timed t = time_verify(authenticator, policy, unknown, c.unknown_reasons);
      c.unknown.push_back(t.ns);
      c.unknown_store.push_back(t.store_ns);
      c.unknown_calls.push_back(t.store_calls);
    };
    if (counterbalance && i % 2 == 1) {
      time_unknown();
      time_known();
    } else {
      time_known();
      time_unknown();
    }
  }
  return c;
}

std::string reasons_text(const std::map<std::string, int>& reasons) {
  std::string out;
  for (const auto& [reason, count] : reasons) {
    if (!out.empty()) out += ", ";
    out += reason + " x" + std::to_string(count);
  }
  return out;
}

struct Verdict {
  bool detected = false;
  std::string text;
};

Verdict report(const Comparison& c, std::mt19937_64& rng) {
  const Summary a = summarize(c.known);
  const Summary b = summarize(c.unknown);
  const double difference = a.p50 - b.p50;
  const MannWhitney mw = mann_whitney(c.known, c.unknown);
  const KolmogorovSmirnov ks = kolmogorov_smirnov(c.known, c.unknown);
  const double shift = hodges_lehmann(c.known, c.unknown);
  const Interval ci = bootstrap_median_difference(c.known, c.unknown, 2'000, rng);
  Verdict v;
  v.detected = mw.p < kAlpha || ks.p < kAlpha;
  v.text = v.detected
               ? "difference DETECTED (known " + std::string(shift > 0 ? "slower" : "faster") +
                     " by " + format_ns(std::fabs(shift)) + ")"
               : "no detectable difference";
  std::cout << "| " << c.name << " | " << c.known.size() << " / " << c.unknown.size() << " | "
            << format_ns(a.p50) << " | " << format_ns(b.p50) << " | " << format_ns(difference)
            << " (" << (difference >= 0 ? "+" : "") << format_fixed(difference / b.p50 * 100, 2)
            << "%) | " << format_ns(shift) << " | [" << format_ns(ci.low) << ", "
            << format_ns(ci.high) << "] | " << format_fixed(mw.p, 4) << " (z "
            << format_fixed(mw.z, 2) << ") | " << format_fixed(ks.p, 4) << " (D "
            << format_fixed(ks.d, 3) << ") | " << v.text << " |\n";
  return v;
}

// The median of each part, to see where a difference comes from.
void split_line(const Comparison& c) {
  auto rest = [](const std::vector<double>& total, const std::vector<double>& store) {
    std::vector<double> out;
    for (std::size_t i = 0; i < total.size(); ++i) out.push_back(total[i] - store[i]);
    return out;
  };
  auto mean_calls = [](const std::vector<int>& calls) {
    double sum = 0;
    for (int n : calls) sum += n;
    return calls.empty() ? 0.0 : sum / static_cast<double>(calls.size());
  };
  const double store_a = summarize(c.known_store).p50;
  const double store_b = summarize(c.unknown_store).p50;
  const double rest_a = summarize(rest(c.known, c.known_store)).p50;
  const double rest_b = summarize(rest(c.unknown, c.unknown_store)).p50;
  std::cout << "| " << c.name << " | " << format_fixed(mean_calls(c.known_calls), 1) << " / "
            << format_fixed(mean_calls(c.unknown_calls), 1) << " | " << format_ns(store_a) << " / "
            << format_ns(store_b) << " (" << format_ns(store_a - store_b) << ") | "
            << format_fixed(mann_whitney(c.known_store, c.unknown_store).p, 4) << " | "
            << format_ns(rest_a) << " / " << format_ns(rest_b) << " (" << format_ns(rest_a - rest_b)
            << ") | "
            << format_fixed(
                   mann_whitney(rest(c.known, c.known_store), rest(c.unknown, c.unknown_store)).p,
                   4)
            << " |\n";
}

void spread_line(const Comparison& c) {
  const Summary a = summarize(c.known);
  const Summary b = summarize(c.unknown);
  std::cout << "- " << c.name << ": known p10/p50/p90 " << format_ns(a.p10) << " / "
            << format_ns(a.p50) << " / " << format_ns(a.p90) << " ("
            << reasons_text(c.known_reasons) << "); unknown " << format_ns(b.p10) << " / "
            << format_ns(b.p50) << " / " << format_ns(b.p90) << " ("
            << reasons_text(c.unknown_reasons) << ")\n";
}

// Components, to explain whatever difference shows: each timed on its own, interleaved.
void components(db::PgCredentialStore& store, int& next_known, int& next_unknown) {
  const int n = 1'000;
  std::vector<double> find_known, find_unknown, failed_login, app_miss;
  for (int i = 0; i < n; ++i) {
    const std::string known = bench_username(next_known + i % 500);
    const std::string unknown = unknown_username(next_unknown + i);
    Clock::time_point t = Clock::now();
    (void)store.find_user(known);
    find_known.push_back(elapsed_ns(t, Clock::now()));
    t = Clock::now();
    (void)store.find_user(unknown);
    find_unknown.push_back(elapsed_ns(t, Clock::now()));
    auth::Digest digest{};
    const std::string random = auth::random_bytes(digest.size());
    std::copy(random.begin(), random.end(), digest.begin());
    t = Clock::now();
    (void)store.find_app_password(digest);
    app_miss.push_back(elapsed_ns(t, Clock::now()));
  }
  // One failure each on fresh users: counted, never locked.
  const auth::LockPolicy lock_policy{};
  for (int i = 0; i < 500; ++i) {
    const auto user = store.find_user(bench_username(next_known++));
    const Clock::time_point t = Clock::now();
    (void)store.record_failed_login(user->id, lock_policy);
    failed_login.push_back(elapsed_ns(t, Clock::now()));
  }
  next_unknown += n;
  std::vector<double> argon;
  for (int i = 0; i < 30; ++i) {
    const Clock::time_point t = Clock::now();
    (void)auth::verify_password(auth::dummy_password_hash(), "not it");
    argon.push_back(elapsed_ns(t, Clock::now()));
  }
  auto line = [](const std::string& what, const std::vector<double>& v) {
    const Summary s = summarize(v);
    std::cout << "| " << what << " | " << s.n << " | " << format_ns(s.p50) << " | "
              << format_ns(s.p90) << " | " << format_ns(s.p99) << " |\n";
  };
  std::cout << "\nComponents (medians explain the differences above):\n\n"
            << "| component | calls | p50 | p90 | p99 |\n|---|---|---|---|---|\n";
  line("Argon2id verify_password (m=19 MiB, t=2, p=1)", argon);
  line("store.find_user, known", find_known);
  line("store.find_user, unknown", find_unknown);
  line("store.find_app_password, not found", app_miss);
  line("store.record_failed_login (known user only)", failed_login);
}

void write_csv(const std::string& path, const std::vector<Comparison>& comparisons) {
  std::ofstream out(path);
  out << "comparison,sample,known_ns,unknown_ns\n";
  for (const Comparison& c : comparisons) {
    for (std::size_t i = 0; i < c.known.size(); ++i) {
      out << '"' << c.name << "\"," << i << ',' << c.known[i] << ',' << c.unknown[i] << '\n';
    }
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const Options options(argc, argv);
  const std::string admin_url = cluster_url(options);
  const int samples = static_cast<int>(options.get_int("samples", 400));
  const int app_only_samples = static_cast<int>(options.get_int("app-only-samples", 2'000));
  const int users = static_cast<int>(options.get_int("users", 10'000));
  const std::string csv = options.get("csv", "");
  const std::string order = options.get("order", "abba");
  if (order != "abba" && order != "abab") throw std::invalid_argument("--order=abba|abab");
  counterbalance = order == "abba";
  if (users < 2 * samples + app_only_samples + 600) {
    throw std::invalid_argument("--users must cover every sample with a fresh known user");
  }

  const std::string pepper = auth::random_bytes(32);
  BenchDatabase database(admin_url, "lk_bench_user_timing");
  // Every account has a real Argon2id hash with the default parameters (one hash shared by
  // all: the cost of verifying does not depend on which salt it holds).
  const std::string account_hash = auth::hash_password(auth::random_bytes(24));
  seed(database.url(), users, 3, pepper, account_hash);

  db::ConnectionPool pool(database.url(), 1);
  db::PgCredentialStore store(pool);
  TimingStore timed_store(store);
  timing_store = &timed_store;
  const auth::KeyedHasher hasher(pepper);
  // Default LockPolicy (10 failures). Failure recording: the proxy's (deferred) where this
  // build has that choice, unless --failure-recording=inline.
  const std::string recording = options.get(
      "failure-recording", HasDeferredRecording<auth::Authenticator> ? "deferred" : "inline");
  if (recording != "inline" && recording != "deferred") {
    throw std::invalid_argument("--failure-recording=inline|deferred");
  }
  const std::unique_ptr<auth::Authenticator> authenticator_owner =
      make_authenticator<auth::Authenticator>(timed_store, hasher, recording == "deferred");
  const auth::Authenticator& authenticator = *authenticator_owner;
  const auth::Policy allow_account{true, auth::AccountPasswordPolicy::deny_if_totp};
  const auth::Policy app_only{true, auth::AccountPasswordPolicy::deny};

  const auth::Argon2Params defaults{};
  std::cout << "### Unknown vs known users (timing, statistically)\n\n"
            << "Authenticator::verify via PgCredentialStore (pool of 1, loopback); Argon2id m="
            << defaults.memory_kib << " KiB, t=" << defaults.time_cost
            << ", p=" << defaults.parallelism << "; A = known user (a different one per sample, "
            << "default lock policy, so no lock) with a wrong secret, B = unknown user; "
            << (counterbalance ? "A and B alternating in counterbalanced pairs (AB BA AB ...)"
                               : "A and B strictly alternating (AB AB ...)")
            << "; failed logins of known users written "
            << (recording == "deferred"
                    ? "after the answer (FailureRecording::deferred, as the proxy does; untimed)"
                    : "inside verify (this build has no deferred recording, or "
                      "--failure-recording=inline)")
            << "; two-sided tests at alpha = " << kAlpha << "; load average " << load_average()
            << "\n\n";

  // Warm up: the dummy hash is built on first use, connections open, buffers fill.
  int next_known = users - 250;  // the last 250 users serve the warm-up
  int next_unknown = 90'000;
  (void)auth::dummy_password_hash();
  compare("warm-up", authenticator, allow_account, 8, next_known, next_unknown,
          account_shaped_secret);
  compare("warm-up", authenticator, app_only, 200, next_known, next_unknown, app_shaped_secret);

  next_known = 1;
  next_unknown = 1;
  const long long stall_before = cpu_stall_us();
  const Clock::time_point start = Clock::now();
  std::vector<Comparison> comparisons;
  comparisons.push_back(compare("account-password route, account-password-shaped secret",
                                authenticator, allow_account, samples, next_known, next_unknown,
                                account_shaped_secret));
  comparisons.push_back(compare("account-password route, app-password-shaped secret", authenticator,
                                allow_account, samples, next_known, next_unknown,
                                app_shaped_secret));
  comparisons.push_back(compare("app-password-only route, app-password-shaped secret",
                                authenticator, app_only, app_only_samples, next_known, next_unknown,
                                app_shaped_secret));
  const double run_ns = elapsed_ns(start, Clock::now());
  const std::string pressure = stall_share(stall_before, cpu_stall_us(), run_ns);

  std::cout << "| comparison | n (A / B) | median A known | median B unknown | A - B (of B) | "
               "Hodges-Lehmann shift | 95% CI of median diff | Mann-Whitney p | KS p | "
               "verdict |\n"
            << "|---|---|---|---|---|---|---|---|---|---|\n";
  std::mt19937_64 rng(11);
  bool any_detected = false;
  for (const Comparison& c : comparisons) any_detected |= report(c, rng).detected;
  std::cout << "\nSpread and outcomes (sampling took " << format_ns(run_ns) << ", CPU pressure "
            << pressure << "):\n";
  for (const Comparison& c : comparisons) spread_line(c);
  std::cout << "\nWhere the time goes (medians, A known / B unknown, difference in brackets):\n\n"
            << "| comparison | store calls per verify | in the store | Mann-Whitney p, in the "
               "store | outside the store (Argon2id, HMAC, logic) | Mann-Whitney p, outside the "
               "store |\n"
            << "|---|---|---|---|---|---|\n";
  for (const Comparison& c : comparisons) split_line(c);
  for (const Comparison& c : comparisons) {
    const bool expected =
        c.unknown_reasons.size() == 1 && c.known_reasons.size() == 1 &&
        c.known_reasons.count("bad_password") == 1 &&
        c.unknown_reasons.count(c.name.starts_with("app-password-only") ? "bad_password"
                                                                        : "unknown_user") == 1;
    if (!expected) throw std::runtime_error("unexpected decisions in: " + c.name);
  }

  components(store, next_known, next_unknown);
  if (!csv.empty()) {
    write_csv(csv, comparisons);
    std::cout << "\nraw samples: " << csv << "\n";
  }
  std::cout << "\noverall: "
            << (any_detected ? "a timing difference between known and unknown users was detected"
                             : "no detectable difference between known and unknown users")
            << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "lk_bench_user_timing: " << e.what() << "\n";
  return 1;
}

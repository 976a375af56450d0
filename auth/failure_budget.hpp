// Failure budgets (DESIGN.md §5.5): a token bucket of authentication failures per key — a
// client address or an account. A key whose bucket is empty is refused before any database
// work, with the time until its next token as Retry-After. Pure logic: time is a parameter.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::auth {

struct FailureBudgetLimits {
  int burst = 10;         // failures allowed at once (the bucket size), >= 1
  double per_minute = 6;  // tokens refilled per minute, continuously, > 0
  // Keys tracked at most; beyond it the fullest of the least recently spent buckets goes
  // first, so a storm of fresh keys cannot grow memory nor easily evict a drained bucket.
  std::size_t max_keys = 100'000;
  // Independent locks, so threads failing on different keys rarely wait for each other.
  std::size_t shards = 16;
};

class FailureBudgets {
 public:
  using Clock = std::chrono::steady_clock;

  explicit FailureBudgets(FailureBudgetLimits limits);
  ~FailureBudgets();
  FailureBudgets(const FailureBudgets&) = delete;
  FailureBudgets& operator=(const FailureBudgets&) = delete;

  // Retry-After when `key` has less than one failure left (round up to whole seconds for the
  // header); nullopt while another failure is allowed. Does not change the bucket.
  std::optional<std::chrono::milliseconds> exhausted(std::string_view key,
                                                     Clock::time_point now) const;

  // Takes one token for a failure; an empty bucket stays at zero (no debt).
  void spend(std::string_view key, Clock::time_point now);

  // Takes one token if one is left, else returns false. Check and take are one step, so
  // concurrent attempts cannot all pass a check before any of them spends: the proxy
  // reserves a token before verifying and refunds it when the attempt was no failure.
  bool try_spend(std::string_view key, Clock::time_point now);
  void refund(std::string_view key, Clock::time_point now);

  // Keys currently tracked (never above max_keys), for metrics and tests.
  std::size_t size() const;
  // The limits in force; shards and max_keys as adjusted by the constructor.
  const FailureBudgetLimits& limits() const { return limits_; }

 private:
  struct Shard;
  Shard& shard_for(std::string_view key) const;
  bool take(std::string_view key, Clock::time_point now, bool only_if_left);

  FailureBudgetLimits limits_;
  std::size_t keys_per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// The per-account key: the username with ASCII letters lower-cased, as usernames are unique
// regardless of case, so "Alice" and "ALICE" draw from one budget. Names longer than any
// account's (128 characters, up to 512 bytes) share one key: each would otherwise hold a bucket
// the size of a request head, and a guesser varying them could fill memory.
std::string account_key(std::string_view username);
inline constexpr std::size_t kMaxUsernameBytes = 512;

// The per-address key: an IPv4 address as is; an IPv6 address as its /64 prefix, because one
// client usually holds a whole /64; IPv4-mapped IPv6 as the IPv4 address. Text that is not
// an IP address is returned unchanged.
std::string address_key(std::string_view address);

}  // namespace latchkey::auth

#include "auth/failure_budget.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>

namespace latchkey::auth {
namespace {

using Clock = FailureBudgets::Clock;

// How many of the least recently spent buckets eviction compares: O(1) per insert, and
// enough that a drained bucket among fresh ones is practically never the one chosen.
constexpr std::size_t kEvictionScan = 8;

struct Bucket {
  std::string key;
  double tokens = 0;
  Clock::time_point updated;
};

double elapsed_ms(Clock::time_point from, Clock::time_point to) {
  // Callers read the clock before taking the lock, so `to` may trail `from` slightly.
  if (to <= from) return 0;
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

// Buckets most recently spent first; `index` points into `lru`, whose nodes never move.
// std::map rather than a hash table: usernames are attacker-chosen, and a tree cannot be
// flooded with colliding keys.
struct FailureBudgets::Shard {
  mutable std::mutex mutex;
  std::list<Bucket> lru;
  std::map<std::string_view, std::list<Bucket>::iterator, std::less<>> index;
};

FailureBudgets::FailureBudgets(FailureBudgetLimits limits) : limits_(limits) {
  if (limits_.burst < 1 || !(limits_.per_minute > 0) || !std::isfinite(limits_.per_minute) ||
      limits_.max_keys < 1) {
    throw std::invalid_argument(
        "failure budget needs burst >= 1, a finite per_minute > 0 and max_keys >= 1");
  }
  limits_.shards = std::clamp<std::size_t>(limits_.shards, 1, limits_.max_keys);
  keys_per_shard_ = limits_.max_keys / limits_.shards;
  limits_.max_keys = keys_per_shard_ * limits_.shards;
  shards_.reserve(limits_.shards);
  for (std::size_t i = 0; i < limits_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

FailureBudgets::~FailureBudgets() = default;

FailureBudgets::Shard& FailureBudgets::shard_for(std::string_view key) const {
  return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

namespace {

double tokens_at(const Bucket& bucket, Clock::time_point now, const FailureBudgetLimits& limits) {
  const double refill = elapsed_ms(bucket.updated, now) * limits.per_minute / 60'000.0;
  return std::min(static_cast<double>(limits.burst), bucket.tokens + refill);
}

}  // namespace

std::optional<std::chrono::milliseconds> FailureBudgets::exhausted(std::string_view key,
                                                                   Clock::time_point now) const {
  Shard& shard = shard_for(key);
  const std::lock_guard lock(shard.mutex);
  const auto it = shard.index.find(key);
  if (it == shard.index.end()) return std::nullopt;  // never failed, or full and evicted
  const double tokens = tokens_at(*it->second, now, limits_);
  if (tokens >= 1) return std::nullopt;
  // The epsilon keeps floating-point noise from adding a millisecond to exact waits.
  const double wait = std::ceil((1 - tokens) * 60'000.0 / limits_.per_minute - 1e-6);
  return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait)));
}

void FailureBudgets::spend(std::string_view key, Clock::time_point now) {
  take(key, now, /*only_if_left=*/false);
}

bool FailureBudgets::try_spend(std::string_view key, Clock::time_point now) {
  return take(key, now, /*only_if_left=*/true);
}

void FailureBudgets::refund(std::string_view key, Clock::time_point now) {
  Shard& shard = shard_for(key);
  const std::lock_guard lock(shard.mutex);
  if (const auto it = shard.index.find(key); it != shard.index.end()) {
    Bucket& bucket = *it->second;
    const double tokens = tokens_at(bucket, now, limits_) + 1;
    if (tokens >= limits_.burst) {
      // A full bucket says what no bucket says: forgotten, so that every account that
      // merely logged in does not stay in the index, each lookup paying for all of them.
      const auto node = it->second;
      shard.index.erase(it);
      shard.lru.erase(node);
      return;
    }
    bucket.tokens = tokens;
    bucket.updated = std::max(bucket.updated, now);
  }
}

bool FailureBudgets::take(std::string_view key, Clock::time_point now, bool only_if_left) {
  Shard& shard = shard_for(key);
  const std::lock_guard lock(shard.mutex);
  if (const auto it = shard.index.find(key); it != shard.index.end()) {
    Bucket& bucket = *it->second;
    const double tokens = tokens_at(bucket, now, limits_);
    if (only_if_left && tokens < 1) return false;
    bucket.tokens = std::max(0.0, tokens - 1);
    bucket.updated = std::max(bucket.updated, now);
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    return true;
  }
  if (shard.index.size() >= keys_per_shard_) {
    // A full bucket carries no information, so it goes first; otherwise the fullest of the
    // oldest, so that forgetting a key forgives as little as possible.
    auto victim = std::prev(shard.lru.end());
    double victim_tokens = -1;
    auto candidate = shard.lru.end();
    for (std::size_t scanned = 0; scanned < kEvictionScan && candidate != shard.lru.begin();
         ++scanned) {
      --candidate;
      const double tokens = tokens_at(*candidate, now, limits_);
      if (tokens > victim_tokens) {
        victim = candidate;
        victim_tokens = tokens;
      }
      if (tokens >= limits_.burst) break;
    }
    shard.index.erase(victim->key);
    shard.lru.erase(victim);
  }
  shard.lru.push_front(Bucket{std::string(key), static_cast<double>(limits_.burst) - 1, now});
  shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  return true;
}

std::size_t FailureBudgets::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    const std::lock_guard lock(shard->mutex);
    total += shard->index.size();
  }
  return total;
}

std::string account_key(std::string_view username) {
  // No account has such a name (users.username holds 128 characters), and no name holds \x01.
  if (username.size() > kMaxUsernameBytes) return "\x01too long";
  std::string key(username);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

std::string address_key(std::string_view address) {
  std::string text(address);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  text = text.substr(0, text.find('%'));  // a zone index names the interface, not the client
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return text;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::string(address);
  char buffer[INET6_ADDRSTRLEN] = {};
  static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.s6_addr, kMappedPrefix, sizeof kMappedPrefix) == 0) {
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    ::inet_ntop(AF_INET, &v4, buffer, sizeof buffer);
    return buffer;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  ::inet_ntop(AF_INET6, &v6, buffer, sizeof buffer);
  return std::string(buffer) + "/64";
}

}  // namespace latchkey::auth

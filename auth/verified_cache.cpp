#include "auth/verified_cache.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

namespace latchkey::auth {
namespace {

constexpr std::string_view kCacheLabel = "cache";

// Changes are rare (revocations, password changes), so this is reached only by a burst; a
// verification outlives at most a few of them.
constexpr std::size_t kMaxTrackedUsers = 4096;

// Entries erased per hold of the exclusive lock by drop_expired: tens of microseconds.
constexpr std::size_t kDropBatch = 256;

}  // namespace

std::size_t VerifiedCache::DigestHash::operator()(const Digest& d) const noexcept {
  // The digest is an HMAC output: any 8 of its bytes are already uniformly distributed.
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

VerifiedCache::VerifiedCache(std::string key, std::chrono::milliseconds ttl,
                             std::size_t max_entries)
    : hasher_(std::move(key)), ttl_(ttl), max_entries_(max_entries) {}

namespace {

// The username is taken as typed (not case-folded): "Alice" and "alice" are separate entries,
// each earned by its own successful verification.
Digest cache_key(const KeyedHasher& hasher, std::string_view username, std::string_view secret) {
  std::string message;
  message.reserve(username.size() + 1 + secret.size());
  message.append(username);
  message.push_back('\0');  // usernames never contain NUL, so the split is unambiguous
  message.append(secret);
  const Digest key = hasher.digest(kCacheLabel, message);
  OPENSSL_cleanse(message.data(), message.size());
  return key;
}

}  // namespace

std::optional<Identity> VerifiedCache::find(std::string_view username, std::string_view secret,
                                            Clock::time_point now) {
  if (ttl_.count() <= 0 || max_entries_ == 0) return std::nullopt;
  // Hash outside the lock: it is the expensive part and needs no shared state.
  const Digest key = cache_key(hasher_, username, secret);
  const std::int64_t max_age_ms = max_age_ms_.load(std::memory_order_relaxed);
  {
    std::shared_lock lock(mutex_);
    // Map lookup compares keyed digests, not secrets: timing reveals nothing without the key.
    const auto it = entries_.find(key);
    if (it == entries_.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    if (!expired(it->second, now, max_age_ms)) {
      it->second.referenced.store(true, std::memory_order_relaxed);
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second.identity;
    }
  }
  // Expired: rare, so only then the exclusive lock, to drop it (it may have changed meanwhile).
  misses_.fetch_add(1, std::memory_order_relaxed);
  std::unique_lock lock(mutex_);
  if (const auto it = entries_.find(key); it != entries_.end() && expired(it->second, now, max_age_ms)) {
    lru_.erase(it->second.lru_position);
    entries_.erase(it);
  }
  return std::nullopt;
}

void VerifiedCache::insert(std::string_view username, std::string_view secret,
                           const Identity& identity, Clock::time_point now) {
  if (ttl_.count() <= 0 || max_entries_ == 0) return;  // caching disabled
  const Digest key = cache_key(hasher_, username, secret);
  std::unique_lock lock(mutex_);
  insert_locked(key, identity, now);
}

void VerifiedCache::insert(std::string_view username, std::string_view secret,
                           const Identity& identity, std::uint64_t generation,
                           Clock::time_point now) {
  if (ttl_.count() <= 0 || max_entries_ == 0) return;  // caching disabled
  const Digest key = cache_key(hasher_, username, secret);
  std::unique_lock lock(mutex_);
  // The verification may have read the database before a change it was told about since.
  if (generation < floor_) return;
  if (const auto it = user_changed_at_.find(identity.user_id);
      it != user_changed_at_.end() && generation < it->second) {
    return;
  }
  insert_locked(key, identity, now);
}

bool VerifiedCache::expired(const Slot& slot, Clock::time_point now, std::int64_t max_age_ms) {
  return now >= slot.expires ||
         (max_age_ms >= 0 && now - slot.inserted >= std::chrono::milliseconds(max_age_ms));
}

void VerifiedCache::insert_locked(const Digest& key, const Identity& identity,
                                  Clock::time_point now) {
  Clock::time_point expires = now + ttl_;
  if (identity.expires_at) {
    // No NOTIFY marks a credential's own end: the entry ends with it, whatever the TTL.
    const auto left = *identity.expires_at - std::chrono::system_clock::now();
    expires = std::min(expires, now + std::chrono::duration_cast<Clock::duration>(
                                          std::max(left, decltype(left)::zero())));
  }
  if (const auto it = entries_.find(key); it != entries_.end()) {
    it->second.identity = identity;
    it->second.expires = expires;
    it->second.inserted = now;
    it->second.referenced.store(false, std::memory_order_relaxed);
    lru_.splice(lru_.begin(), lru_, it->second.lru_position);
    return;
  }
  lru_.push_front(key);
  Slot& slot = entries_.try_emplace(key).first->second;
  slot.identity = identity;
  slot.expires = expires;
  slot.lru_position = lru_.begin();
  slot.inserted = now;
  // Bounded memory: a flood of distinct valid credentials evicts the least recently used,
  // where a hit since the entry last came round counts as a use (second chance). Each pass
  // clears a mark, so this ends within two rounds of the list.
  while (entries_.size() > max_entries_) {
    const auto victim = entries_.find(lru_.back());
    if (victim->second.referenced.exchange(false, std::memory_order_relaxed) &&
        victim->second.lru_position != lru_.begin()) {
      lru_.splice(lru_.begin(), lru_, victim->second.lru_position);
      continue;
    }
    lru_.pop_back();
    entries_.erase(victim);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

void VerifiedCache::limit_age(std::chrono::milliseconds max_age) {
  max_age_ms_.store(max_age.count(), std::memory_order_relaxed);
}

void VerifiedCache::lift_age_limit() { max_age_ms_.store(-1, std::memory_order_relaxed); }

VerifiedCache::Stats VerifiedCache::stats() const {
  Stats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  stats.evictions = evictions_.load(std::memory_order_relaxed);
  stats.size = size();
  return stats;
}

Digest VerifiedCache::key_for(std::string_view username, std::string_view secret) const {
  return cache_key(hasher_, username, secret);
}

void VerifiedCache::erase_user(std::int64_t user_id) {
  std::unique_lock lock(mutex_);
  // A linear scan: revocations are rare and the cache is small; add an index if that changes.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.identity.user_id == user_id) {
      lru_.erase(it->second.lru_position);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  const std::uint64_t now_generation = generation_.fetch_add(1) + 1;
  user_changed_at_[user_id] = now_generation;
  if (user_changed_at_.size() > kMaxTrackedUsers) {
    floor_ = now_generation;
    user_changed_at_.clear();
  }
}

void VerifiedCache::clear() {
  std::unique_lock lock(mutex_);
  entries_.clear();
  lru_.clear();
  floor_ = generation_.fetch_add(1) + 1;
  user_changed_at_.clear();
}

std::size_t VerifiedCache::drop_expired(Clock::time_point now) {
  const std::int64_t max_age_ms = max_age_ms_.load(std::memory_order_relaxed);
  std::size_t dropped = 0;
  for (;;) {
    std::unique_lock lock(mutex_);
    // The list runs from newest insert (front) to oldest (back), and every entry lives the
    // same time from its insert, so the expired ones are at the back. (An entry spared by
    // eviction went to the front early; it goes on a later sweep or when found.)
    for (std::size_t batch = 0; batch < kDropBatch; ++batch) {
      if (lru_.empty()) return dropped;
      const auto it = entries_.find(lru_.back());
      if (!expired(it->second, now, max_age_ms)) return dropped;
      lru_.pop_back();
      entries_.erase(it);
      ++dropped;
    }
  }
}

std::uint64_t VerifiedCache::generation() const {
  return generation_.load();
}

std::size_t VerifiedCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace latchkey::auth

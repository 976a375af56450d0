// Verified credentials kept in memory for a short TTL so that a client sending Basic auth on
// every request costs one HMAC, not a database round trip. Keyed by a keyed digest of
// (username, secret): the secret itself is never stored. Thread-safe; never blocks for long.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/authenticator.hpp"
#include "auth/keyed_hash.hpp"

namespace latchkey::auth {

class VerifiedCache {
 public:
  using Clock = std::chrono::steady_clock;

  VerifiedCache(std::string key, std::chrono::milliseconds ttl, std::size_t max_entries);

  // An entry lives `ttl` from its insert, or until the identity's expires_at if sooner; hits
  // do not extend it. Expired entries are erased when found, and by drop_expired.
  std::optional<Identity> find(std::string_view username, std::string_view secret,
                               Clock::time_point now = Clock::now());
  void insert(std::string_view username, std::string_view secret, const Identity& identity,
              Clock::time_point now = Clock::now());
  // As above, but skipped when erase_user(identity.user_id) or clear ran since `generation`
  // was read: read generation() BEFORE verifying, so a result read from the database before
  // a revocation cannot be cached after the revocation's erase_user.
  void insert(std::string_view username, std::string_view secret, const Identity& identity,
              std::uint64_t generation, Clock::time_point now = Clock::now());
  // The keyed digest an entry for (username, secret) lives under: lets callers recognise
  // repeats of one attempt without holding the secret.
  Digest key_for(std::string_view username, std::string_view secret) const;
  void erase_user(std::int64_t user_id);  // for revocation and password changes
  void clear();  // when change notifications may have been missed (listen connection lost)
  // Advanced by every erase_user and clear; an opaque token for insert.
  std::uint64_t generation() const;
  std::size_t size() const;
  // Erases expired entries, oldest first, so that a cache filled by a burst does not hold its
  // memory once the burst is over. Works in short batches under the lock: lookups on the IO
  // threads never wait for a whole sweep. Returns how many entries went.
  std::size_t drop_expired(Clock::time_point now = Clock::now());

  // Entries older than this count as expired whatever their TTL: while change notifications
  // cannot arrive, a short limit bounds how long a revocation goes unseen.
  void limit_age(std::chrono::milliseconds max_age);
  void lift_age_limit();

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t evictions = 0;  // pushed out by max_entries, not expired
    std::size_t size = 0;
  };
  Stats stats() const;

 private:
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  KeyedHasher hasher_;
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  // Hits take it shared, so threads hitting the cache never wait for each other; inserts
  // and erasures take it exclusively.
  mutable std::shared_mutex mutex_;
  std::list<Digest> lru_;  // front = most recently inserted; hits set `referenced` instead
  struct Slot {
    Identity identity;
    Clock::time_point expires;
    std::list<Digest>::iterator lru_position;
    Clock::time_point inserted;
    // Second-chance eviction (CLOCK): a hit marks the entry instead of moving it, which
    // would need the exclusive lock; eviction spares a marked entry once.
    mutable std::atomic<bool> referenced{false};
  };
  std::atomic<std::int64_t> max_age_ms_{-1};  // -1: no limit beyond the TTL
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> evictions_{0};
  std::unordered_map<Digest, Slot, DigestHash> entries_;
  // Written only under mutex_ (so insert's check and its insertion are one step); atomic
  // so that generation() on the request path takes no lock.
  std::atomic<std::uint64_t> generation_{0};
  // Inserts that read a generation older than this are skipped whatever the user.
  std::uint64_t floor_ = 0;
  // The generation of each user's latest erase_user since floor_; bounded by
  // kMaxTrackedUsers, past which floor_ rises instead (skipping too much is safe).
  std::unordered_map<std::int64_t, std::uint64_t> user_changed_at_;

  void insert_locked(const Digest& key, const Identity& identity, Clock::time_point now);
  // Past its TTL, or older than `max_age_ms` (-1: no age limit).
  static bool expired(const Slot& slot, Clock::time_point now, std::int64_t max_age_ms);
};

}  // namespace latchkey::auth

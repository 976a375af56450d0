// Attempts being verified right now, by the cache digest of (username, secret). Only the
// first of identical concurrent attempts reserves failure budget: when a user's cache entry
// expires, all their open connections miss at once, and each reserving a token would throttle
// the right password; repeats of one guess tell an attacker nothing new either.
#pragma once

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "auth/keyed_hash.hpp"

namespace latchkey::proxy {

class InflightAttempts {
 public:
  // True for the first attempt in flight with this digest (it reserves and settles budgets).
  bool begin(const auth::Digest& key) {
    std::lock_guard lock(mutex_);
    return ++counts_[key] == 1;
  }
  void end(const auth::Digest& key) {
    std::lock_guard lock(mutex_);
    if (const auto it = counts_.find(key); it != counts_.end() && --it->second == 0) {
      counts_.erase(it);
    }
  }

 private:
  struct DigestHash {
    std::size_t operator()(const auth::Digest& d) const noexcept {
      std::size_t h = 0;  // an HMAC output: any 8 bytes are uniformly distributed
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  std::mutex mutex_;
  std::unordered_map<auth::Digest, int, DigestHash> counts_;
};

// Ends an attempt when the coroutine frame that began it unwinds, whatever the path.
class InflightAttempt {
 public:
  InflightAttempt(InflightAttempts& attempts, const auth::Digest& key)
      : attempts_(attempts), key_(key), leader_(attempts.begin(key)) {}
  ~InflightAttempt() { attempts_.end(key_); }
  InflightAttempt(const InflightAttempt&) = delete;
  InflightAttempt& operator=(const InflightAttempt&) = delete;
  bool leader() const { return leader_; }

 private:
  InflightAttempts& attempts_;
  auth::Digest key_;
  bool leader_;
};

}  // namespace latchkey::proxy

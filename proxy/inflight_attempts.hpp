// Attempts being verified right now, by the cache digest of (username, secret). Identical
// concurrent attempts are one flight: the first (the leader) reserves failure budget and
// verifies; the others wait for it to land and take its answer, so N copies of one guess cost
// one budget token, one verification and one lock count. Repeats of a guess tell an attacker
// nothing new, and a user's parallel connections, missing the cache together when their entry
// expires, are not throttled for it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/keyed_hash.hpp"

namespace latchkey::proxy {

// How a leader's attempt ended, for those that waited on it.
struct Landing {
  enum class Kind {
    abandoned,    // ended before a decision (over budget, cancelled): followers try themselves
    admitted,     // allowed, and in the cache: followers find it there
    refused,      // a decision against `policy`: followers with the same policy take it
    unavailable,  // no decision could be had (queue full): followers are told so too
  };
  Kind kind = Kind::abandoned;
  auth::Policy policy;
  auth::DenyReason reason = auth::DenyReason::none;
  std::optional<std::chrono::system_clock::time_point> locked_until;
};

class InflightAttempts {
 public:
  struct Flight {
    std::mutex mutex;
    std::optional<Landing> landing;             // set once, by the leader
    std::vector<std::function<void()>> wakers;  // followers waiting for it
  };

  // The flight of `key` and whether the caller leads it (no flight was in the air).
  std::pair<std::shared_ptr<Flight>, bool> join(const auth::Digest& key);
  // Ends the leader's flight: later identical attempts start a new one; followers wake.
  void land(const auth::Digest& key, const std::shared_ptr<Flight>& flight, Landing landing);

 private:
  struct DigestHash {
    std::size_t operator()(const auth::Digest& d) const noexcept {
      std::size_t h = 0;  // an HMAC output: any 8 bytes are uniformly distributed
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  std::mutex mutex_;
  std::unordered_map<auth::Digest, std::shared_ptr<Flight>, DigestHash> flights_;
};

// One attempt's part in a flight. A leader that unwinds without landing lands `abandoned`.
class InflightAttempt {
 public:
  InflightAttempt(InflightAttempts& attempts, const auth::Digest& key);
  ~InflightAttempt();
  InflightAttempt(const InflightAttempt&) = delete;
  InflightAttempt& operator=(const InflightAttempt&) = delete;

  bool leader() const { return leader_; }
  void land(Landing landing);
  // A follower: waits (on the calling coroutine's executor, never blocking its thread) until
  // the leader lands or `bound` passes, and returns the landing (nullopt: not yet landed).
  boost::asio::awaitable<std::optional<Landing>> await_landing(std::chrono::milliseconds bound);

 private:
  InflightAttempts& attempts_;
  auth::Digest key_;
  std::shared_ptr<InflightAttempts::Flight> flight_;
  bool leader_;
  bool landed_ = false;
};

}  // namespace latchkey::proxy

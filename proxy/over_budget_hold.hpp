// A client over a failure budget waits for its 429 (brute_force.over_budget_delay), never
// longer than the Retry-After the answer carries: one that ignores Retry-After then gets one
// answer per connection per delay, so a guessing storm cannot take the IO threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <optional>

namespace latchkey::proxy {

// The Retry-After of a spent budget's 429: whole seconds, rounded up, never 0.
inline std::chrono::seconds retry_after_for(std::chrono::milliseconds wait) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(wait));
}

// A timer on the calling coroutine's executor, not a sleep: the thread serves others meanwhile.
boost::asio::awaitable<void> hold_over_budget_reply(
    std::chrono::milliseconds delay, std::optional<std::chrono::seconds> retry_after);

}  // namespace latchkey::proxy

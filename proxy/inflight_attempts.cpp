#include "proxy/inflight_attempts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::proxy {
namespace asio = boost::asio;

std::pair<std::shared_ptr<InflightAttempts::Flight>, bool> InflightAttempts::join(
    const auth::Digest& key) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = flights_.try_emplace(key);
  if (inserted) it->second = std::make_shared<Flight>();
  return {it->second, inserted};
}

void InflightAttempts::land(const auth::Digest& key, const std::shared_ptr<Flight>& flight,
                            Landing landing) {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = flights_.find(key); it != flights_.end() && it->second == flight) {
      flights_.erase(it);
    }
  }
  std::vector<std::function<void()>> wakers;
  {
    std::lock_guard lock(flight->mutex);
    flight->landing = std::move(landing);
    wakers.swap(flight->wakers);
  }
  for (const auto& wake : wakers) wake();
}

InflightAttempt::InflightAttempt(InflightAttempts& attempts, const auth::Digest& key)
    : attempts_(attempts), key_(key) {
  std::tie(flight_, leader_) = attempts_.join(key_);
}

InflightAttempt::~InflightAttempt() {
  if (leader_ && !landed_) attempts_.land(key_, flight_, Landing{});
}

void InflightAttempt::land(Landing landing) {
  if (!leader_ || landed_) return;
  landed_ = true;
  attempts_.land(key_, flight_, std::move(landing));
}

asio::awaitable<std::optional<Landing>> InflightAttempt::await_landing(
    std::chrono::milliseconds bound) {
  const auto executor = co_await asio::this_coro::executor;
  const auto timer = std::make_shared<asio::steady_timer>(executor, bound);
  {
    std::lock_guard lock(flight_->mutex);
    if (flight_->landing) co_return flight_->landing;
    // Posted, the cancel runs on this coroutine's thread (one per loop), so only once the
    // wait below has begun; the bound covers a loop run by several threads.
    flight_->wakers.push_back(
        [executor, timer] { asio::post(executor, [timer] { timer->cancel(); }); });
  }
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(flight_->mutex);
  co_return flight_->landing;
}

}  // namespace latchkey::proxy

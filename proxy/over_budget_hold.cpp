#include "proxy/over_budget_hold.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::proxy {
namespace asio = boost::asio;

asio::awaitable<void> hold_over_budget_reply(std::chrono::milliseconds delay,
                                             std::optional<std::chrono::seconds> retry_after) {
  if (retry_after) delay = std::min<std::chrono::milliseconds>(delay, *retry_after);
  if (delay <= std::chrono::milliseconds::zero()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace latchkey::proxy

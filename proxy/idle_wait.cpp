#include "proxy/idle_wait.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace latchkey::proxy {

IdleDeadline::IdleDeadline(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
    : state_(std::make_shared<State>()), timer_(socket.get_executor(), timeout) {
  // Runs on the connection's loop, as the wait does: `done` is set before it could run.
  timer_.async_wait(boost::asio::bind_allocator(
      ExactSizeAllocator<void>(), [state = state_, &socket](boost::system::error_code ec) {
        if (ec || state->done) return;
        state->fired = true;
        socket.cancel(ec);
      }));
}

boost::system::error_code IdleDeadline::finish(boost::system::error_code ec) {
  state_->done = true;
  timer_.cancel();
  if (ec == boost::asio::error::operation_aborted && state_->fired) {
    return boost::beast::error::timeout;
  }
  return ec;
}

}  // namespace latchkey::proxy

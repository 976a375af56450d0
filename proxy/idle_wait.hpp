// How a kept-alive plain connection waits for its next request: without a read buffer, a
// parser or a coroutine frame of its own, its pending operations allocated at their own size,
// so that an idle connection costs a few KiB (10,000 of them: scenario 6 of bench/README.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <new>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

namespace latchkey::proxy {

// Asio's default allocator reuses per-thread blocks of up to 1 KiB whatever the operation's
// size; an idle connection would hold such a block for as long as it waits.
template <class T>
struct ExactSizeAllocator {
  using value_type = T;
  ExactSizeAllocator() = default;
  template <class U>
  ExactSizeAllocator(const ExactSizeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
  friend bool operator==(ExactSizeAllocator, ExactSizeAllocator) noexcept { return true; }
  friend bool operator!=(ExactSizeAllocator, ExactSizeAllocator) noexcept { return false; }
};

// Until the wait ends, cancels the socket's pending operations once `timeout` has passed.
class IdleDeadline {
 public:
  IdleDeadline(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout);
  IdleDeadline(const IdleDeadline&) = delete;
  IdleDeadline& operator=(const IdleDeadline&) = delete;

  // The wait's outcome: beast::error::timeout when it was this deadline that cut it.
  boost::system::error_code finish(boost::system::error_code ec);

 private:
  struct State {
    bool fired = false;
    bool done = false;  // a late expiry must not cancel the head read that follows
  };
  std::shared_ptr<State> state_;
  boost::asio::steady_timer timer_;
};

// Completes when the socket has input (or was closed or reset), consuming nothing.
inline auto async_wait_readable(boost::asio::ip::tcp::socket& socket) {
  return socket.async_wait(
      boost::asio::socket_base::wait_read,
      boost::asio::bind_allocator(ExactSizeAllocator<void>(),
                                  boost::asio::as_tuple(boost::asio::use_awaitable)));
}

}  // namespace latchkey::proxy

// The idle deadline of a body relay: the transfer is cut when no byte has moved for
// `timeout`. One timer per transfer, re-armed only when it fires, instead of one timer
// started and cancelled around every read and write (two timerfd_settime calls per piece).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace latchkey::proxy {

class ProgressWatchdog {
 public:
  // Cancels the pending operations of both sockets when it fires. `executor` must be the one
  // the relay runs on (the session's loop): the handler then never races the relay.
  ProgressWatchdog(boost::asio::any_io_executor executor,
                   std::chrono::steady_clock::duration timeout,
                   boost::asio::ip::tcp::socket& source, boost::asio::ip::tcp::socket& sink);
  ~ProgressWatchdog();
  ProgressWatchdog(const ProgressWatchdog&) = delete;
  ProgressWatchdog& operator=(const ProgressWatchdog&) = delete;

  void progress() { state_->last_progress = std::chrono::steady_clock::now(); }
  // Whether it fired: an operation_aborted seen after it is a timeout.
  bool fired() const { return state_->fired; }

 private:
  struct State {
    explicit State(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point last_progress;
    std::chrono::steady_clock::duration timeout{};
    boost::asio::ip::tcp::socket* source = nullptr;
    boost::asio::ip::tcp::socket* sink = nullptr;
    bool fired = false;
    bool done = false;  // the relay is over: the sockets may be gone
  };
  static void arm(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace latchkey::proxy

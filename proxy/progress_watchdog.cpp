#include "proxy/progress_watchdog.hpp"

namespace latchkey::proxy {

ProgressWatchdog::ProgressWatchdog(boost::asio::any_io_executor executor,
                                   std::chrono::steady_clock::duration timeout,
                                   boost::asio::ip::tcp::socket& source,
                                   boost::asio::ip::tcp::socket& sink)
    : state_(std::make_shared<State>(std::move(executor))) {
  state_->timeout = timeout;
  state_->source = &source;
  state_->sink = &sink;
  progress();
  arm(state_);
}

ProgressWatchdog::~ProgressWatchdog() {
  state_->done = true;
  state_->timer.cancel();
}

void ProgressWatchdog::arm(const std::shared_ptr<State>& state) {
  state->timer.expires_at(state->last_progress + state->timeout);
  // The handler owns the state: it may run after the relay (and this object) are gone.
  state->timer.async_wait([state](boost::system::error_code ec) {
    if (ec || state->done) return;
    if (std::chrono::steady_clock::now() < state->last_progress + state->timeout) {
      arm(state);  // bytes moved since it was armed
      return;
    }
    state->fired = true;
    state->source->cancel(ec);
    state->sink->cancel(ec);
  });
}

}  // namespace latchkey::proxy

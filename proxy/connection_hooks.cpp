#include "proxy/connection_hooks.hpp"

namespace latchkey::proxy {

ConnectionHooks::ConnectionHooks(Gateway& gateway, boost::asio::any_io_executor executor,
                                 std::function<void()> cancel_reads,
                                 const boost::beast::flat_buffer& buffer)
    : tracker_(gateway.connections), buffer_(buffer), cancel_reads_(std::move(cancel_reads)) {
  if (tracker_ == nullptr) return;
  // Captures only `this`: fits in std::function's own storage, no allocation per connection.
  watch_ = tracker_->watch(std::move(executor), [this] {
    // Idle: waiting for a request of which no byte has arrived.
    if (waiting_for_head && buffer_.size() == 0) cancel_reads_();
  });
}

bool ConnectionHooks::draining() const {
  return tracker_ != nullptr && tracker_->draining();
}

bool ConnectionHooks::may_wait_for_next_request(bool input_waiting) const {
  return !draining() || buffer_.size() > 0 || input_waiting;
}

void ConnectionHooks::stop() {
  if (!watch_) return;
  watch_->alive = false;
  tracker_->unwatch(watch_);
  watch_.reset();
}

}  // namespace latchkey::proxy

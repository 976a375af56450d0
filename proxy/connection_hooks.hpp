// A session's link to the server's ConnectionTracker: while the session waits idle for its
// next request, a drain (SIGTERM) closes it at once instead of at the drain deadline.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <functional>
#include <memory>

#include "proxy/connection_tracker.hpp"
#include "proxy/gateway.hpp"

namespace latchkey::proxy {

class ConnectionHooks {
 public:
  // `cancel_reads` runs on the session's loop and makes its pending read end
  // (operation_aborted); `buffer` is the session's read buffer.
  ConnectionHooks(Gateway& gateway, boost::asio::any_io_executor executor,
                  std::function<void()> cancel_reads, const boost::beast::flat_buffer& buffer);
  ~ConnectionHooks() { stop(); }
  ConnectionHooks(const ConnectionHooks&) = delete;
  ConnectionHooks& operator=(const ConnectionHooks&) = delete;

  bool waiting_for_head = false;  // set by the session around each head read

  bool draining() const;
  // Whether to wait for another request: not once draining, unless some of it has arrived
  // (`input_waiting`: bytes received below the session's buffer, in the socket or TLS layer).
  bool may_wait_for_next_request(bool input_waiting) const;
  void stop();  // on the session's loop, before the session's locals go

 private:
  ConnectionTracker* tracker_;
  const boost::beast::flat_buffer& buffer_;
  std::function<void()> cancel_reads_;
  std::shared_ptr<ConnectionTracker::Watch> watch_;
};

}  // namespace latchkey::proxy

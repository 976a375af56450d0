// The open client connections: admission under server.max_connections, and the drain on
// shutdown, which closes idle keep-alive connections at once and says when none is left.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

namespace latchkey::proxy {

class ConnectionTracker {
 public:
  // A connection's drain hook, run on the connection's own executor (its loop).
  struct Watch {
    boost::asio::any_io_executor executor;
    std::function<void()> on_drain;  // closes the connection if it is idle
    bool alive = true;               // cleared on its loop before the connection ends
  };

  // Counts a new connection in, unless `max_connections` are already open.
  bool try_admit(std::size_t max_connections);
  // An admitted connection has ended.
  void leave();

  std::shared_ptr<Watch> watch(boost::asio::any_io_executor executor,
                               std::function<void()> on_drain);
  void unwatch(const std::shared_ptr<Watch>& watch);

  // From now on connections close after their current request; idle ones are told now.
  // `on_empty` runs once, on whichever thread sees the last connection leave (maybe this one).
  void drain(std::function<void()> on_empty);
  bool draining() const { return draining_.load(); }
  std::size_t open() const { return open_.load(); }

 private:
  void notify_if_empty();

  std::atomic<std::size_t> open_{0};
  std::atomic<bool> draining_{false};
  std::mutex mutex_;
  std::set<std::shared_ptr<Watch>> watches_;
  std::function<void()> on_empty_;
};

}  // namespace latchkey::proxy

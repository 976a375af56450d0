#include "proxy/connection_tracker.hpp"

#include <boost/asio/post.hpp>
#include <vector>

namespace latchkey::proxy {

bool ConnectionTracker::try_admit(std::size_t max_connections) {
  std::size_t open = open_.load();
  do {
    if (open >= max_connections) return false;
  } while (!open_.compare_exchange_weak(open, open + 1));
  return true;
}

void ConnectionTracker::leave() {
  open_.fetch_sub(1);
  notify_if_empty();
}

std::shared_ptr<ConnectionTracker::Watch> ConnectionTracker::watch(
    boost::asio::any_io_executor executor, std::function<void()> on_drain) {
  auto entry = std::make_shared<Watch>();
  entry->executor = std::move(executor);
  entry->on_drain = std::move(on_drain);
  std::lock_guard lock(mutex_);
  watches_.insert(entry);
  return entry;
}

void ConnectionTracker::unwatch(const std::shared_ptr<Watch>& entry) {
  std::lock_guard lock(mutex_);
  watches_.erase(entry);
}

void ConnectionTracker::drain(std::function<void()> on_empty) {
  std::vector<std::shared_ptr<Watch>> watches;
  {
    std::lock_guard lock(mutex_);
    on_empty_ = std::move(on_empty);
    // Set under the lock and before the hooks are posted: a connection that checks the flag
    // after its hook ran sees it, so none waits idle through the drain.
    draining_.store(true);
    watches.assign(watches_.begin(), watches_.end());
  }
  for (auto& entry : watches) {
    boost::asio::post(entry->executor, [entry] {
      if (entry->alive) entry->on_drain();
    });
  }
  notify_if_empty();
}

void ConnectionTracker::notify_if_empty() {
  if (!draining_.load() || open_.load() != 0) return;
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    callback.swap(on_empty_);
  }
  if (callback) callback();
}

}  // namespace latchkey::proxy

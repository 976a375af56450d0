#include "db/connection_pool.hpp"

#include <stdexcept>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"

namespace latchkey::db {

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection,
                             bool reused)
    : pool_(pool), connection_(std::move(connection)), reused_(reused) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      broken_(other.broken_),
      reused_(other.reused_) {}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    broken_ = other.broken_;
    reused_ = other.reused_;
  }
  return *this;
}

ConnectionPool::Lease::~Lease() {
  release();
}

void ConnectionPool::Lease::release() noexcept {
  if (pool_ == nullptr) return;
  const bool broken = broken_ || connection_ == nullptr || !connection_->is_open();
  std::exchange(pool_, nullptr)->give_back(std::move(connection_), broken);
}

ConnectionPool::ConnectionPool(std::string url, int size)
    : url_(std::move(url)), redacted_url_(redact_url(url_)), size_(size) {
  if (size_ < 1) throw std::invalid_argument("connection pool size must be at least 1");
  idle_.reserve(static_cast<std::size_t>(size_));
}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds wait) {
  std::unique_ptr<pqxx::connection> connection;
  {
    std::unique_lock lock(mutex_);
    if (!slot_freed_.wait_for(lock, wait, [&] { return in_use_ < size_; })) {
      throw auth::StoreUnavailable("no PostgreSQL connection free within " +
                                   std::to_string(wait.count()) + " ms (pool of " +
                                   std::to_string(size_) + ")");
    }
    ++in_use_;
    while (!idle_.empty() && connection == nullptr) {
      connection = std::move(idle_.back());
      idle_.pop_back();
      if (!connection->is_open()) connection.reset();  // died while idle: reopen below
    }
  }
  const bool reused = connection != nullptr;
  if (connection == nullptr) {
    try {
      connection = open_connection(url_);  // outside the lock: connecting may take seconds
    } catch (...) {
      give_back(nullptr, true);
      throw;
    }
  }
  return Lease(this, std::move(connection), reused);
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> connection, bool broken) noexcept {
  std::unique_ptr<pqxx::connection> closing;
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (broken) {
      closing = std::move(connection);
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  closing.reset();  // closing a socket outside the lock
  slot_freed_.notify_one();
}

void ConnectionPool::throw_broken(const pqxx::broken_connection& e) const {
  throw auth::StoreUnavailable("lost the PostgreSQL connection to " + redacted_url_ + ": " +
                               scrub_message(e.what(), url_));
}

void ConnectionPool::close_idle() {
  std::vector<std::unique_ptr<pqxx::connection>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
    idle_.reserve(static_cast<std::size_t>(size_));
  }
}

int ConnectionPool::open_connections() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(idle_.size()) + in_use_;
}

int ConnectionPool::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

}  // namespace latchkey::db

// A fixed-size pool of libpqxx connections, opened lazily so that latchkey starts while
// PostgreSQL is down and recovers by itself when it returns. Blocking: worker threads only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/except>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace latchkey::db {

class ConnectionPool {
 public:
  // A connection on loan; it goes back to the pool when the lease dies, unless it broke.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    pqxx::connection& connection() { return *connection_; }
    pqxx::connection& operator*() { return *connection_; }
    pqxx::connection* operator->() { return connection_.get(); }

    // Closes the connection instead of returning it (call after a broken_connection).
    void discard() { broken_ = true; }

    // True when the connection sat idle in the pool before: the server may have dropped it
    // meanwhile (restart, idle timeout, pg_terminate_backend) without libpq noticing.
    bool reused() const { return reused_; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection, bool reused);
    void release() noexcept;

    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<pqxx::connection> connection_;
    bool broken_ = false;
    bool reused_ = false;
  };

  // `url`: libpq URI or key=value string. Nothing is opened here.
  ConnectionPool(std::string url, int size);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Waits up to `wait` for a free slot, then hands out an idle connection or opens one.
  // Throws auth::StoreUnavailable when none is free in time or connecting fails; the
  // message carries the URL with its password redacted.
  Lease acquire(std::chrono::milliseconds wait);

  // Runs work(pqxx::connection&) on a leased connection. When a connection taken from the
  // idle set turns out broken, it and every other idle one are closed (a restarted server
  // killed them all) and `work` runs once more on a fresh connection; an uncommitted
  // transaction on a dead connection did nothing, so this is safe. A fresh connection that
  // breaks is reported as auth::StoreUnavailable. Other exceptions pass through.
  template <typename Work>
  std::invoke_result_t<Work&, pqxx::connection&> run(std::chrono::milliseconds wait, Work&& work);

  int size() const { return size_; }
  const std::string& redacted_url() const { return redacted_url_; }

  // Connections open right now, idle or leased (for metrics and tests).
  int open_connections() const;
  // Slots on loan right now, including connections being opened (for metrics).
  int in_use() const;

  // Closes every idle connection; leased ones are unaffected.
  void close_idle();

 private:
  void give_back(std::unique_ptr<pqxx::connection> connection, bool broken) noexcept;
  [[noreturn]] void throw_broken(const pqxx::broken_connection& e) const;

  const std::string url_;
  const std::string redacted_url_;
  const int size_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int in_use_ = 0;  // slots taken by leases, including connections being opened
};

template <typename Work>
std::invoke_result_t<Work&, pqxx::connection&> ConnectionPool::run(std::chrono::milliseconds wait,
                                                                   Work&& work) {
  for (int attempt = 1;; ++attempt) {
    Lease lease = acquire(wait);
    try {
      return work(lease.connection());
    } catch (const pqxx::broken_connection& e) {
      lease.discard();
      if (!lease.reused() || attempt > 1) throw_broken(e);
      close_idle();
    } catch (...) {
      // A server that went away mid-query may surface as another error; the state decides.
      if (!lease.connection().is_open()) lease.discard();
      throw;
    }
  }
}

}  // namespace latchkey::db

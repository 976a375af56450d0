// Worker threads for blocking work (database lookups, Argon2) so that IO threads never wait
// on it (DESIGN.md §3). The queue is bounded: a full queue answers "busy" at once instead of
// letting requests pile up behind a slow database.
#pragma once

#include <atomic>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::proxy {

class BlockingPool {
 public:
  BlockingPool(int threads, int max_pending)
      : pool_(static_cast<std::size_t>(threads)), max_pending_(max_pending) {}
  ~BlockingPool() { stop(); }

  // Runs `fn` on a worker and resumes the caller on its own executor with the result, or
  // with nullopt when `max_pending` jobs are already queued or running.
  template <class Fn, class Result = std::invoke_result_t<Fn&>>
  boost::asio::awaitable<std::optional<Result>> run(Fn fn) {
    // Not a coroutine itself: g++ 12 mis-destroys by-value lambda parameters of coroutines.
    auto initiation = [this](auto handler, Fn job) {
      if (pending_.fetch_add(1) >= max_pending_) {
        pending_.fetch_sub(1);
        auto executor = boost::asio::get_associated_executor(handler);
        boost::asio::post(executor, [handler = std::move(handler)]() mutable {
          std::move(handler)(std::exception_ptr{}, std::optional<Result>{});
        });
        return;
      }
      boost::asio::post(pool_, [this, job = std::move(job), handler = std::move(handler)]() mutable {
        std::exception_ptr error;
        std::optional<Result> result;
        try {
          result.emplace(job());
        } catch (...) {
          error = std::current_exception();
        }
        pending_.fetch_sub(1);
        auto executor = boost::asio::get_associated_executor(handler);
        boost::asio::dispatch(executor, [handler = std::move(handler), error,
                                         result = std::move(result)]() mutable {
          std::move(handler)(error, std::move(result));
        });
      });
    };
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>,
                                       void(std::exception_ptr, std::optional<Result>)>(
        std::move(initiation), boost::asio::use_awaitable, std::move(fn));
  }

  // Also for fire-and-forget jobs such as write-behind flushes.
  template <class Fn>
  void post(Fn fn) {
    boost::asio::post(pool_, std::move(fn));
  }

  void stop() {
    pool_.stop();
    pool_.join();
  }
  int pending() const { return pending_.load(); }

 private:
  boost::asio::thread_pool pool_;
  int max_pending_;
  std::atomic<int> pending_{0};
};

}  // namespace latchkey::proxy

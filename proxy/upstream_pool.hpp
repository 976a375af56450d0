// Keep-alive connections to upstreams, shared by every IO thread. A connection is reused
// only after a response was read to its end with keep-alive, and is dropped once idle too
// long or found closed by the upstream.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include "config/config.hpp"

namespace latchkey::proxy {

struct UpstreamConnection {
  boost::beast::tcp_stream stream;
  bool reused = false;  // came from the idle pool: may have been closed under us
};

class UpstreamPool {
 public:
  // An idle connection bound to `executor` if one is alive, otherwise a new one. On failure
  // sets `error` (boost::beast::error::timeout when connect_timeout passed).
  boost::asio::awaitable<std::optional<UpstreamConnection>> acquire(
      const config::Upstream& upstream, boost::asio::any_io_executor executor,
      boost::system::error_code& error);

  // Always a new connection (used to retry after a reused one turned out dead).
  boost::asio::awaitable<std::optional<UpstreamConnection>> connect(
      const config::Upstream& upstream, boost::asio::any_io_executor executor,
      boost::system::error_code& error);

  void release(const config::Upstream& upstream, boost::beast::tcp_stream stream);
  std::size_t idle_count() const;
  // Closes every idle connection; call before the io_context they were opened on goes away.
  void close_idle();

  // Per upstream address ("host:port"), for the metrics.
  struct AddressStats {
    std::string address;
    std::size_t idle = 0;
    std::uint64_t opened = 0;          // new connections established
    std::uint64_t reused = 0;          // idle connections handed out again
    std::uint64_t connect_errors = 0;  // refused, unresolved or timed out
  };
  std::vector<AddressStats> stats() const;

 private:
  struct Idle {
    boost::asio::ip::tcp::socket socket;
    std::chrono::steady_clock::time_point since;
  };
  std::optional<boost::asio::ip::tcp::socket> take_idle(const config::Upstream& upstream,
                                                        boost::asio::any_io_executor executor);

  struct Counts {
    std::uint64_t opened = 0;
    std::uint64_t reused = 0;
    std::uint64_t connect_errors = 0;
  };
  void count(const config::Upstream& upstream, std::uint64_t Counts::*which);

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Idle>> idle_;  // key: host:port
  std::map<std::string, Counts> counts_;           // key: host:port
};

}  // namespace latchkey::proxy

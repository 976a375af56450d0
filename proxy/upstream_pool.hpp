// Keep-alive connections to upstreams, plain and TLS, one pool per IO loop. A connection
// is reused only after a response was read to its end with keep-alive, and is dropped once
// idle too long or found closed by the upstream. TLS connections are pooled per TLS context
// (one per route), so a connection verified under one route's trust settings never serves
// another route.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "config/config.hpp"
#include "proxy/upstream_stream.hpp"

namespace latchkey::proxy {

struct UpstreamConnection {
  UpstreamStream stream;
  bool reused = false;  // came from the idle pool: may have been closed under us
};

class UpstreamPool {
 public:
  // An idle connection of `executor`'s loop if one is alive, otherwise a new one; over TLS
  // with `tls` when it is set (https upstreams). On failure sets `error`
  // (boost::beast::error::timeout when connect_timeout passed; an SSL category error when
  // the TLS handshake failed, with the certificate check's verdict in `tls_detail`).
  boost::asio::awaitable<std::optional<UpstreamConnection>> acquire(
      const config::Upstream& upstream, std::shared_ptr<TlsContext> tls,
      boost::asio::any_io_executor executor, boost::system::error_code& error,
      std::string& tls_detail);

  // Always a new connection (used to retry after a reused one turned out dead).
  boost::asio::awaitable<std::optional<UpstreamConnection>> connect(
      const config::Upstream& upstream, std::shared_ptr<TlsContext> tls,
      boost::asio::any_io_executor executor, boost::system::error_code& error,
      std::string& tls_detail);

  // Pools `stream` if it is open and nothing is buffered in it (a TLS one then gives back its
  // record buffers while it waits); otherwise closes it.
  void release(const config::Upstream& upstream, UpstreamStream stream);
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
    UpstreamStream stream;
    std::chrono::steady_clock::time_point since;
    std::chrono::milliseconds lifetime;  // the upstream's idle_timeout
  };
  std::optional<UpstreamStream> take_idle(const config::Upstream& upstream,
                                          const std::shared_ptr<TlsContext>& tls,
                                          boost::asio::any_io_executor executor);
  // Drops expired connections of every upstream, at most once a second.
  void sweep(std::chrono::steady_clock::time_point now);

  struct Counts {
    std::uint64_t opened = 0;
    std::uint64_t reused = 0;
    std::uint64_t connect_errors = 0;
  };
  void count(const config::Upstream& upstream, std::uint64_t Counts::*which);

  // A socket stays registered with the loop that opened it, so each loop has its own idle
  // connections: handing one to another loop would cost re-registering it per request.
  // TLS connections are keyed by their context too: a context belongs to one route and one
  // configuration, so a reload's new trust settings never inherit a connection checked by
  // old ones. Compared as views, so that finding a connection allocates nothing.
  struct PoolKey {
    const void* loop;
    const TlsContext* tls;
    std::string host;
    std::uint16_t port;
  };
  struct PoolKeyView {
    const void* loop;
    const TlsContext* tls;
    std::string_view host;
    std::uint16_t port;
  };
  struct AddressKey {
    std::string host;
    std::uint16_t port;
  };
  struct AddressKeyView {
    std::string_view host;
    std::uint16_t port;
  };
  struct KeyLess {
    using is_transparent = void;
    static PoolKeyView view(const PoolKey& k) { return {k.loop, k.tls, k.host, k.port}; }
    static PoolKeyView view(const PoolKeyView& k) { return k; }
    static AddressKeyView view(const AddressKey& k) { return {k.host, k.port}; }
    static AddressKeyView view(const AddressKeyView& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const auto x = view(a);
      const auto y = view(b);
      if constexpr (std::is_same_v<decltype(x), const PoolKeyView>) {
        return std::tie(x.loop, x.tls, x.host, x.port) < std::tie(y.loop, y.tls, y.host, y.port);
      } else {
        return std::tie(x.host, x.port) < std::tie(y.host, y.port);
      }
    }
  };

  mutable std::mutex mutex_;
  std::map<PoolKey, std::vector<Idle>, KeyLess> idle_;
  std::chrono::steady_clock::time_point last_sweep_{};
  std::map<AddressKey, Counts, KeyLess> counts_;
};

}  // namespace latchkey::proxy

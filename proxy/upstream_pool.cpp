#include "proxy/upstream_pool.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

std::string pool_key(const config::Upstream& upstream) {
  return upstream.host + ":" + std::to_string(upstream.port);
}

// An idle keep-alive connection that the upstream has closed reads as EOF; one that has data
// waiting is out of sync. Either way it must not carry the next request.
bool still_usable(tcp::socket& socket) {
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::optional<tcp::socket> UpstreamPool::take_idle(const config::Upstream& upstream,
                                                   asio::any_io_executor executor) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = idle_.find(pool_key(upstream));
  if (it == idle_.end()) return std::nullopt;
  auto& list = it->second;
  while (!list.empty()) {
    Idle idle = std::move(list.back());
    list.pop_back();
    if (now - idle.since > upstream.idle_timeout || !still_usable(idle.socket)) continue;
    // Rebind to the caller's strand: the socket was opened on another connection's executor.
    const auto protocol = idle.socket.local_endpoint().protocol();
    const auto fd = idle.socket.release();
    tcp::socket socket(executor);
    socket.assign(protocol, fd);
    ++counts_[it->first].reused;
    return socket;
  }
  return std::nullopt;
}

asio::awaitable<std::optional<UpstreamConnection>> UpstreamPool::acquire(
    const config::Upstream& upstream, asio::any_io_executor executor,
    boost::system::error_code& error) {
  if (auto socket = take_idle(upstream, executor)) {
    co_return UpstreamConnection{beast::tcp_stream(std::move(*socket)), true};
  }
  co_return co_await connect(upstream, executor, error);
}

asio::awaitable<std::optional<UpstreamConnection>> UpstreamPool::connect(
    const config::Upstream& upstream, asio::any_io_executor executor,
    boost::system::error_code& error) {
  const auto expiry = std::chrono::steady_clock::now() + upstream.connect_timeout;
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code not_literal;
  const auto literal = asio::ip::make_address(upstream.host, not_literal);
  if (!not_literal) {
    endpoints.emplace_back(literal, upstream.port);
  } else {
    // getaddrinfo cannot be cancelled, so the resolution is left to finish on its own and we
    // stop waiting at the deadline: a stuck resolver must not hang the request.
    struct Resolution {
      bool done = false;
      boost::system::error_code error;
      std::vector<tcp::endpoint> endpoints;
    };
    auto resolution = std::make_shared<Resolution>();
    auto wake = std::make_shared<asio::steady_timer>(executor, expiry);
    auto resolver = std::make_shared<tcp::resolver>(executor);
    resolver->async_resolve(
        upstream.host, std::to_string(upstream.port),
        [resolution, wake, resolver](const boost::system::error_code& ec,
                                     const tcp::resolver::results_type& results) {
          resolution->done = true;
          resolution->error = ec;
          for (const auto& entry : results) resolution->endpoints.push_back(entry.endpoint());
          wake->cancel();
        });
    co_await wake->async_wait(asio::as_tuple(asio::use_awaitable));
    if (!resolution->done) {
      error = beast::error::timeout;
      count(upstream, &Counts::connect_errors);
      co_return std::nullopt;
    }
    if (resolution->error) {
      error = resolution->error;
      count(upstream, &Counts::connect_errors);
      co_return std::nullopt;
    }
    endpoints = std::move(resolution->endpoints);
  }
  beast::tcp_stream stream(executor);
  stream.expires_at(expiry);
  auto [connect_error, endpoint] =
      co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (connect_error) {
    error = connect_error;
    count(upstream, &Counts::connect_errors);
    co_return std::nullopt;
  }
  count(upstream, &Counts::opened);
  stream.socket().set_option(tcp::no_delay(true));
  co_return UpstreamConnection{std::move(stream), false};
}

void UpstreamPool::release(const config::Upstream& upstream, beast::tcp_stream stream) {
  stream.expires_never();
  tcp::socket socket = stream.release_socket();
  if (!socket.is_open()) return;
  std::lock_guard lock(mutex_);
  auto& list = idle_[pool_key(upstream)];
  if (list.size() >= upstream.max_idle_connections) return;  // socket closes here
  list.push_back(Idle{std::move(socket), std::chrono::steady_clock::now()});
}

std::size_t UpstreamPool::idle_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [key, list] : idle_) count += list.size();
  return count;
}

void UpstreamPool::close_idle() {
  std::map<std::string, std::vector<Idle>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
  }
}

void UpstreamPool::count(const config::Upstream& upstream, std::uint64_t Counts::*which) {
  const std::string key = pool_key(upstream);
  std::lock_guard lock(mutex_);
  ++(counts_[key].*which);
}

std::vector<UpstreamPool::AddressStats> UpstreamPool::stats() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, AddressStats> by_address;
  for (const auto& [key, counts] : counts_) {
    auto& entry = by_address[key];
    entry.opened = counts.opened;
    entry.reused = counts.reused;
    entry.connect_errors = counts.connect_errors;
  }
  for (const auto& [key, list] : idle_) by_address[key].idle = list.size();
  std::vector<AddressStats> out;
  for (auto& [key, entry] : by_address) {
    entry.address = key;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace latchkey::proxy

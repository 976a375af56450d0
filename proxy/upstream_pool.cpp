#include "proxy/upstream_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <cstdio>

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kSweepInterval = std::chrono::seconds(1);

// The loop an executor belongs to: pooled sockets are only handed out on their own loop.
const void* loop_of(const asio::any_io_executor& executor) {
  return &asio::query(executor, asio::execution::context);
}

std::string address_of(std::string_view host, std::uint16_t port) {
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

std::optional<UpstreamStream> UpstreamPool::take_idle(const config::Upstream& upstream,
                                                      const std::shared_ptr<TlsContext>& tls,
                                                      asio::any_io_executor executor) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = idle_.find(PoolKeyView{loop_of(executor), tls.get(), upstream.host, upstream.port});
  if (it == idle_.end()) return std::nullopt;
  auto& list = it->second;
  while (!list.empty()) {
    Idle idle = std::move(list.back());
    list.pop_back();
    if (now - idle.since > upstream.idle_timeout || !idle.stream.reusable()) continue;
    auto counts = counts_.find(AddressKeyView{upstream.host, upstream.port});
    if (counts == counts_.end()) {
      counts = counts_.emplace(AddressKey{upstream.host, upstream.port}, Counts{}).first;
    }
    ++counts->second.reused;
    return std::move(idle.stream);
  }
  return std::nullopt;
}

asio::awaitable<std::optional<UpstreamConnection>> UpstreamPool::acquire(
    const config::Upstream& upstream, std::shared_ptr<TlsContext> tls,
    asio::any_io_executor executor, boost::system::error_code& error, std::string& tls_detail) {
  if (auto stream = take_idle(upstream, tls, executor)) {
    co_return UpstreamConnection{std::move(*stream), true};
  }
  co_return co_await connect(upstream, std::move(tls), executor, error, tls_detail);
}

asio::awaitable<std::optional<UpstreamConnection>> UpstreamPool::connect(
    const config::Upstream& upstream, std::shared_ptr<TlsContext> tls,
    asio::any_io_executor executor, boost::system::error_code& error, std::string& tls_detail) {
  const auto expiry = std::chrono::steady_clock::now() + upstream.connect_timeout;
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code not_literal;
  const auto literal = asio::ip::make_address(upstream.host, not_literal);
  if (!not_literal) {
    endpoints.emplace_back(literal, upstream.port);
  } else {
    // A running getaddrinfo cannot be cancelled, so we stop waiting at the deadline: a stuck
    // resolver must not hang the request. Lookups still queued behind it (Asio runs one at a
    // time per loop) are cancelled then, so a slow DNS leaves no backlog once it recovers.
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
      resolver->cancel();
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
  beast::tcp_stream tcp_stream(executor);
  tcp_stream.expires_at(expiry);
  auto [connect_error, endpoint] =
      co_await tcp_stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (connect_error) {
    error = connect_error;
    count(upstream, &Counts::connect_errors);
    co_return std::nullopt;
  }
  count(upstream, &Counts::opened);
  tcp_stream.socket().set_option(tcp::no_delay(true));
  if (!tls) co_return UpstreamConnection{UpstreamStream(std::move(tcp_stream)), false};

  // The handshake shares the connect deadline: connect_timeout bounds the whole setup.
  UpstreamStream stream(std::move(tcp_stream), std::move(tls));
  if (!prepare_upstream_tls(stream.tls().native_handle(), upstream)) {
    error = asio::error::invalid_argument;
    co_return std::nullopt;
  }
  auto [handshake_error] = co_await stream.tls().async_handshake(
      asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (handshake_error) {
    error = handshake_error;
    // "certificate verify failed" alone does not say whether the CA or the name was wrong.
    const long verdict = SSL_get_verify_result(stream.tls().native_handle());
    if (verdict != X509_V_OK) tls_detail = X509_verify_cert_error_string(verdict);
    co_return std::nullopt;
  }
  co_return UpstreamConnection{std::move(stream), false};
}

void UpstreamPool::release(const config::Upstream& upstream, UpstreamStream stream) {
  stream.expires_never();
  // Records still buffered would be the next request's answer: such a connection closes here.
  if (!stream.tcp().socket().is_open() || !stream.go_idle()) return;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  sweep(now);
  const PoolKeyView key{loop_of(stream.get_executor()), stream.tls_context().get(), upstream.host,
                        upstream.port};
  auto it = idle_.find(key);
  if (it == idle_.end()) {
    it = idle_.emplace(PoolKey{key.loop, key.tls, upstream.host, upstream.port},
                       std::vector<Idle>{})
             .first;
  }
  auto& list = it->second;
  if (list.size() >= upstream.max_idle_connections) return;  // the connection closes here
  list.push_back(Idle{std::move(stream), now, upstream.idle_timeout});
}

void UpstreamPool::sweep(std::chrono::steady_clock::time_point now) {
  if (now - last_sweep_ < kSweepInterval) return;
  last_sweep_ = now;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    std::erase_if(list, [&](const Idle& idle) { return now - idle.since > idle.lifetime; });
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

std::size_t UpstreamPool::idle_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [key, list] : idle_) count += list.size();
  return count;
}

void UpstreamPool::close_idle() {
  std::map<PoolKey, std::vector<Idle>, KeyLess> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
  }
}

void UpstreamPool::count(const config::Upstream& upstream, std::uint64_t Counts::*which) {
  std::lock_guard lock(mutex_);  // per address, TLS or not
  auto it = counts_.find(AddressKeyView{upstream.host, upstream.port});
  if (it == counts_.end()) it = counts_.emplace(AddressKey{upstream.host, upstream.port}, Counts{}).first;
  ++(it->second.*which);
}

std::vector<UpstreamPool::AddressStats> UpstreamPool::stats() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, AddressStats> by_address;
  for (const auto& [key, counts] : counts_) {
    auto& entry = by_address[address_of(key.host, key.port)];
    entry.opened = counts.opened;
    entry.reused = counts.reused;
    entry.connect_errors = counts.connect_errors;
  }
  for (const auto& [key, list] : idle_) {
    by_address[address_of(key.host, key.port)].idle += list.size();  // loops and TLS join
  }
  std::vector<AddressStats> out;
  for (auto& [key, entry] : by_address) {
    entry.address = key;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace latchkey::proxy

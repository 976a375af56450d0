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

// TLS connections are keyed by their context too: a context belongs to one route and one
// configuration, so a reload's new trust settings never inherit a connection checked by old ones.
std::string pool_key(const config::Upstream& upstream, const TlsContext* tls) {
  std::string key = upstream.host + ":" + std::to_string(upstream.port);
  if (tls != nullptr) {
    char address[32];
    std::snprintf(address, sizeof address, "|tls@%p", static_cast<const void*>(tls));
    key += address;
  }
  return key;
}

}  // namespace

std::optional<UpstreamStream> UpstreamPool::take_idle(const config::Upstream& upstream,
                                                      const std::shared_ptr<TlsContext>& tls,
                                                      asio::any_io_executor executor) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = idle_.find(pool_key(upstream, tls.get()));
  if (it == idle_.end()) return std::nullopt;
  auto& list = it->second;
  while (!list.empty()) {
    Idle idle = std::move(list.back());
    list.pop_back();
    if (now - idle.since > upstream.idle_timeout || !idle.stream.reusable()) continue;
    // The connection was opened on another connection's strand.
    idle.stream.rebind(executor);
    ++counts_[pool_key(upstream, nullptr)].reused;
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
  if (!stream.tcp().socket().is_open()) return;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  sweep(now);
  auto& list = idle_[pool_key(upstream, stream.tls_context().get())];
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
  std::map<std::string, std::vector<Idle>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
  }
}

void UpstreamPool::count(const config::Upstream& upstream, std::uint64_t Counts::*which) {
  const std::string key = pool_key(upstream, nullptr);  // per address, TLS or not
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
  for (const auto& [key, list] : idle_) {
    by_address[key.substr(0, key.find('|'))].idle += list.size();  // TLS pools join their address
  }
  std::vector<AddressStats> out;
  for (auto& [key, entry] : by_address) {
    entry.address = key;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace latchkey::proxy

// A connection to an upstream, plain or TLS, chosen at run time per route: one stream type
// for the forwarding code and the pool. Reads and writes go to the TLS layer when there is
// one, else straight to the TCP stream; the deadlines always live on the TCP stream.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>

#include "proxy/tls_context.hpp"

namespace latchkey::proxy {

class UpstreamStream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using TlsLayer = boost::asio::ssl::stream<boost::beast::tcp_stream&>;

  explicit UpstreamStream(boost::beast::tcp_stream tcp);
  // TLS over `tcp`; the handshake is still to be done on tls().
  UpstreamStream(boost::beast::tcp_stream tcp, std::shared_ptr<TlsContext> context);
  UpstreamStream(UpstreamStream&&) noexcept = default;
  UpstreamStream& operator=(UpstreamStream&&) noexcept = default;

  executor_type get_executor() { return tcp_->get_executor(); }
  boost::beast::tcp_stream& tcp() { return *tcp_; }
  bool is_tls() const { return tls_ != nullptr; }
  TlsLayer& tls() { return tls_->next_layer(); }
  const std::shared_ptr<TlsContext>& tls_context() const { return tls_context_; }

  void expires_after(std::chrono::steady_clock::duration d) { tcp_->expires_after(d); }
  void expires_at(std::chrono::steady_clock::time_point t) { tcp_->expires_at(t); }
  void expires_never() { tcp_->expires_never(); }

  // Idle, open, nothing unread: fit to carry the next request.
  bool reusable();

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            tcp_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBufferSequence& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            tcp_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  // On the heap so that its address, which the TLS layer keeps, survives moves.
  std::unique_ptr<boost::beast::tcp_stream> tcp_;
  std::shared_ptr<TlsContext> tls_context_;  // the SSL object's context lives as long
  // flat_stream: one TLS record per write instead of one per buffer of a sequence.
  std::unique_ptr<boost::beast::flat_stream<TlsLayer>> tls_;
};

}  // namespace latchkey::proxy

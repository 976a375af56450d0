// A connection to an upstream, plain or TLS, chosen at run time per route: one stream type
// for the forwarding code and the pool. Reads and writes go to the TLS layer when there is
// one, else straight to the TCP stream; the deadlines always live on the TCP stream.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>

#include "proxy/tls_context.hpp"
#include "proxy/tls_stream.hpp"

namespace latchkey::proxy {

class UpstreamStream {
 public:
  using executor_type = boost::asio::any_io_executor;

  explicit UpstreamStream(boost::beast::tcp_stream tcp);
  // TLS over `tcp`; the handshake is still to be done on tls().
  UpstreamStream(boost::beast::tcp_stream tcp, std::shared_ptr<TlsContext> context);
  UpstreamStream(UpstreamStream&&) noexcept = default;
  UpstreamStream& operator=(UpstreamStream&&) noexcept = default;

  executor_type get_executor() { return tcp().get_executor(); }
  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  bool is_tls() const { return tls_ != nullptr; }
  TlsStream& tls() { return *tls_; }
  const std::shared_ptr<TlsContext>& tls_context() const { return tls_context_; }

  void expires_after(std::chrono::steady_clock::duration d) { tcp().expires_after(d); }
  void expires_at(std::chrono::steady_clock::time_point t) { tcp().expires_at(t); }
  void expires_never() { tcp().expires_never(); }

  // Idle, open, nothing unread: fit to carry the next request.
  bool reusable();
  // For a connection about to wait in the pool: gives back the TLS record buffers. False when
  // anything is still buffered at any layer: the connection is out of sync, not idle.
  bool go_idle();

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
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
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  // Exactly one is set; on the heap because a TlsStream cannot move (OpenSSL owns its BIOs).
  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::shared_ptr<TlsContext> tls_context_;  // the SSL object's context lives as long
  std::unique_ptr<TlsStream> tls_;           // owns the TCP stream under it
};

}  // namespace latchkey::proxy

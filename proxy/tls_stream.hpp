// One end of a TLS connection, a client's (the server side) or an upstream's (the client
// side): OpenSSL over two memory BIOs, the records carried by a beast::tcp_stream (whose
// deadlines therefore hold for every step).
// asio::ssl::stream keeps two 17 KiB buffers per connection for its whole life, and its BIO
// pair two more: ~80 KiB for each idle kept connection. Here the ciphertext buffers exist only
// while records move, and release_buffers() drops them, and OpenSSL's own, between requests:
// an idle TLS connection costs OpenSSL's session state and little more. Every byte taken off
// the socket goes straight into OpenSSL's input BIO, so drained() sees all that is buffered.
// One operation at a time: a read and a write must not be outstanding together (they share
// the outgoing record buffer); every caller in proxy/ reads and writes a peer in turn.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>

#include "proxy/tls_context.hpp"

namespace latchkey::proxy {

class TlsStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using next_layer_type = boost::beast::tcp_stream;

  // The role (client or server) is chosen by async_handshake.
  TlsStream(boost::beast::tcp_stream next, TlsContext& context);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  executor_type get_executor() { return next_.get_executor(); }
  next_layer_type& next_layer() { return next_; }
  SSL* native_handle() { return ssl_; }

  // Whether nothing is buffered at any layer: no decrypted byte unread, no record part
  // received and not yet decrypted, nothing waiting to be sent. Only then may the connection
  // wait on the socket alone (a client's for its next request, an upstream's in the pool).
  bool drained() const;
  // Gives back the record buffers; call only when drained(). False when OpenSSL still holds
  // part of a record (nothing was released): the connection is not idle after all.
  bool release_buffers();

  // Call once, first: `type` decides which end of the connection this stream is.
  template <class Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type type, Token&& token) {
    set_role(type);
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        Op<false>{*this, Step{Kind::handshake, nullptr, 0}}, token, next_);
  }

  template <class Token>
  auto async_shutdown(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        Op<false>{*this, Step{Kind::shutdown, nullptr, 0}}, token, next_);
  }

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    const boost::asio::mutable_buffer first = first_nonempty(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Op<true>{*this, Step{Kind::read, first.data(), first.size()}}, token, next_);
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    const auto piece = gather(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Op<true>{*this, Step{Kind::write, const_cast<void*>(piece.data()), piece.size()}}, token,
        next_);
  }

 private:
  enum class Kind { handshake, read, write, shutdown };
  // What one call into OpenSSL asks for next.
  enum class Next { done, need_input, failed };

  // What an operation needs: its buffer, and how far it got.
  struct Step {
    Kind kind;
    void* data;
    std::size_t size;
    std::size_t transferred = 0;
    boost::system::error_code error{};
    bool finishing = false;  // OpenSSL is done: send what it wrote last, then complete
    bool waited = false;     // some socket operation (or a post) has run since the start
  };

  // The operation's loop: call OpenSSL, send what it wrote, feed it what it asks for.
  // Completes with (ec, bytes) when `kTransfer`, with (ec) for the handshake and shutdown.
  template <bool kTransfer>
  struct Op {
    TlsStream& stream;
    Step step;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0);

    template <class Self>
    void complete(Self& self, boost::system::error_code ec) {
      if constexpr (kTransfer) {
        self.complete(ec, step.transferred);
      } else {
        self.complete(ec);
      }
    }
  };

  template <class MutableBufferSequence>
  static boost::asio::mutable_buffer first_nonempty(const MutableBufferSequence& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::mutable_buffer b(*it); b.size() > 0) return b;
    }
    return {};
  }
  // A record holds up to 16 KiB: up to that, the pieces go out as one (a head and the first
  // body bytes); a larger first piece goes alone.
  template <class ConstBufferSequence>
  boost::asio::const_buffer gather(const ConstBufferSequence& buffers) {
    constexpr std::size_t kRecord = 16 * 1024;
    const std::size_t total = boost::asio::buffer_size(buffers);
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    while (it != end && boost::asio::const_buffer(*it).size() == 0) ++it;
    if (it == end) return {};
    const boost::asio::const_buffer first(*it);
    if (first.size() >= kRecord || first.size() == total) return first;
    gathered_.clear();
    for (; it != end && gathered_.size() < kRecord; ++it) {
      const boost::asio::const_buffer b(*it);
      const std::size_t take = std::min(b.size(), kRecord - gathered_.size());
      gathered_.append(static_cast<const char*>(b.data()), take);
    }
    return boost::asio::buffer(gathered_);
  }

  void set_role(boost::asio::ssl::stream_base::handshake_type type);
  // Gives the SSL object two new, empty memory BIOs; false (nothing changed) without memory.
  bool replace_bios();
  // Calls into OpenSSL for `step`; sets its transferred bytes or error.
  Next advance(Step& step);
  // Moves what OpenSSL wrote into outgoing_ (empty when nothing is waiting).
  bool take_output();
  // Hands received ciphertext to OpenSSL; false when it could not be stored (no memory).
  bool give_input(std::size_t n);
  boost::asio::mutable_buffer input_space();
  // How an end of input reads: a close_notify already seen is a clean end, otherwise the
  // stream was cut (a truncation attack would look the same).
  boost::system::error_code end_of_input() const;

  boost::beast::tcp_stream next_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // ciphertext received, for OpenSSL to read
  BIO* out_ = nullptr;  // ciphertext OpenSSL wrote, to send
  std::string outgoing_;  // taken out of out_ while it is being sent
  std::unique_ptr<char[]> incoming_;  // one socket read of ciphertext; made when needed
  std::string gathered_;  // a write's pieces, joined into one record
};

template <bool kTransfer>
template <class Self>
void TlsStream::Op<kTransfer>::operator()(Self& self, boost::system::error_code ec, std::size_t n) {
  // Entered first with nothing, then with the outcome of a socket write (a flush, while
  // outgoing_ holds what was sent) or of a socket read (n bytes of ciphertext).
  const bool flushed = !stream.outgoing_.empty();
  stream.outgoing_.clear();
  if (ec) {
    if (ec == boost::asio::error::eof) ec = stream.end_of_input();
    // Decrypted bytes already taken are the caller's: the failed flush shows on the next call.
    if (step.kind == Kind::read && step.transferred > 0 && !step.error) ec = {};
    complete(self, step.error ? step.error : ec);
    return;
  }
  if (!flushed && n > 0 && !stream.give_input(n)) {
    complete(self, boost::asio::error::no_memory);
    return;
  }
  for (;;) {
    const Next next = step.finishing ? Next::done : stream.advance(step);
    if (next == Next::done || next == Next::failed) step.finishing = true;
    if (stream.take_output()) {
      step.waited = true;
      boost::asio::async_write(stream.next_, boost::asio::buffer(stream.outgoing_),
                               std::move(self));
      return;
    }
    if (step.finishing) {
      if (!step.waited) {
        // Served from what was already decrypted: a handler never runs inside the call
        // that started its operation.
        step.waited = true;
        boost::asio::post(std::move(self));
        return;
      }
      complete(self, step.error);
      return;
    }
    if (next == Next::need_input) {
      step.waited = true;
      stream.next_.async_read_some(stream.input_space(), std::move(self));
      return;
    }
  }
}

}  // namespace latchkey::proxy

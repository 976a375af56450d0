#include "proxy/upstream_stream.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <memory>

namespace latchkey::proxy {
namespace beast = boost::beast;

UpstreamStream::UpstreamStream(beast::tcp_stream tcp)
    : plain_(std::make_unique<beast::tcp_stream>(std::move(tcp))) {}

UpstreamStream::UpstreamStream(beast::tcp_stream tcp, std::shared_ptr<TlsContext> context)
    : tls_context_(std::move(context)),
      tls_(std::make_unique<TlsStream>(std::move(tcp), *tls_context_)) {}

bool UpstreamStream::reusable() {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return false;
  // Bytes decrypted but unread, or records taken off the socket and not yet decrypted: they
  // would be the next request's answer, given to another client.
  if (tls_ && !tls_->drained()) return false;
  // An idle connection the upstream closed reads as EOF (or a close_notify record); one with
  // data waiting is out of sync. Either way it must not carry the next request.
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool UpstreamStream::go_idle() {
  if (!tls_) return true;
  return tls_->drained() && tls_->release_buffers();
}

}  // namespace latchkey::proxy

#include "proxy/upstream_stream.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <memory>

namespace latchkey::proxy {
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

UpstreamStream::UpstreamStream(beast::tcp_stream tcp)
    : tcp_(std::make_unique<beast::tcp_stream>(std::move(tcp))) {}

UpstreamStream::UpstreamStream(beast::tcp_stream tcp, std::shared_ptr<TlsContext> context)
    : tcp_(std::make_unique<beast::tcp_stream>(std::move(tcp))),
      tls_context_(std::move(context)),
      tls_(std::make_unique<beast::flat_stream<TlsLayer>>(*tcp_, *tls_context_)) {}

bool UpstreamStream::reusable() {
  auto& socket = tcp_->socket();
  if (!socket.is_open()) return false;
  // Bytes already decrypted but unread would belong to no request.
  if (tls_ && SSL_pending(tls().native_handle()) > 0) return false;
  // An idle connection the upstream closed reads as EOF (or a close_notify record); one with
  // data waiting is out of sync. Either way it must not carry the next request.
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace latchkey::proxy

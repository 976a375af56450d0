#include "proxy/upstream_stream.hpp"

#include <openssl/bio.h>
#include <openssl/ssl.h>
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
  if (tls_) {
    // Bytes already decrypted but unread, or records taken off the socket that OpenSSL has not
    // read yet (asio's BIO pair holds them, where a peek at the socket cannot see them): they
    // would be the next request's answer, given to another client.
    SSL* ssl = tls().native_handle();
    if (SSL_pending(ssl) > 0 || SSL_has_pending(ssl) == 1 ||
        BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0) {
      return false;
    }
  }
  // An idle connection the upstream closed reads as EOF (or a close_notify record); one with
  // data waiting is out of sync. Either way it must not carry the next request.
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace latchkey::proxy

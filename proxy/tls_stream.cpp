#include "proxy/tls_stream.hpp"

#include <openssl/err.h>

#include <stdexcept>

namespace latchkey::proxy {
namespace asio = boost::asio;

namespace {

// One TLS record with its header and the largest expansion OpenSSL allows.
constexpr std::size_t kIncomingBytes = 17 * 1024;

// Null when out of memory.
BIO* memory_bio() {
  BIO* bio = BIO_new(BIO_s_mem());
  // Empty means "not yet", not end of stream: OpenSSL then asks for more (WANT_READ).
  if (bio != nullptr) BIO_set_mem_eof_return(bio, -1);
  return bio;
}

// OpenSSL's reason for a failed call, as asio::ssl reports it.
boost::system::error_code ssl_failure() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return asio::ssl::error::unspecified_system_error;
  return {static_cast<int>(code), asio::error::get_ssl_category()};
}

}  // namespace

TlsStream::TlsStream(boost::beast::tcp_stream next, TlsContext& context) : next_(std::move(next)) {
  ssl_ = SSL_new(context.native_handle());
  if (ssl_ == nullptr || !replace_bios()) {
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

void TlsStream::set_role(asio::ssl::stream_base::handshake_type type) {
  if (type == asio::ssl::stream_base::client) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

bool TlsStream::replace_bios() {
  BIO* in = memory_bio();
  BIO* out = memory_bio();
  if (in == nullptr || out == nullptr) {
    BIO_free(in);  // the old ones, if any, stay: they work
    BIO_free(out);
    return false;
  }
  in_ = in;
  SSL_set0_rbio(ssl_, in_);  // the SSL object owns each from here, and frees the one before
  out_ = out;
  SSL_set0_wbio(ssl_, out_);
  return true;
}

bool TlsStream::drained() const {
  return SSL_has_pending(ssl_) == 0 && BIO_ctrl_pending(in_) == 0 &&
         BIO_ctrl_pending(out_) == 0 && outgoing_.empty();
}

bool TlsStream::release_buffers() {
  // OpenSSL's own record buffers first: it refuses (0) while a record is partly read, its
  // header taken and no body byte yet, which drained() cannot see. Freed here, between
  // requests, rather than around every record as SSL_MODE_RELEASE_BUFFERS would.
  // Fresh BIOs: a memory BIO keeps the capacity its largest record needed.
  if (SSL_free_buffers(ssl_) != 1 || !replace_bios()) return false;
  incoming_.reset();
  std::string().swap(outgoing_);
  std::string().swap(gathered_);
  return true;
}

TlsStream::Next TlsStream::advance(Step& step) {
  ERR_clear_error();  // another connection's leftovers must not be read as this one's
  int result = 0;
  std::size_t n = 0;
  switch (step.kind) {
    case Kind::handshake:
      result = SSL_do_handshake(ssl_);
      break;
    case Kind::shutdown:
      result = SSL_shutdown(ssl_);
      if (result == 0) return Next::need_input;  // ours is out; the peer's close_notify next
      break;
    case Kind::read:
      if (step.size == 0) return Next::done;
      result = SSL_read_ex(ssl_, step.data, step.size, &n);
      break;
    case Kind::write:
      if (step.size == 0) return Next::done;
      result = SSL_write_ex(ssl_, step.data, step.size, &n);
      break;
  }
  if (result == 1) {
    step.transferred = n;
    return Next::done;
  }
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return Next::need_input;
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
      step.error = asio::error::eof;
      return Next::failed;
    case SSL_ERROR_SSL:
      step.error = ssl_failure();
      return Next::failed;
    case SSL_ERROR_SYSCALL:  // memory BIOs make no system calls: the input ended early
      ERR_clear_error();
      step.error = asio::ssl::error::stream_truncated;
      return Next::failed;
    default:  // WANT_WRITE and the like cannot happen with memory BIOs and this context
      ERR_clear_error();
      step.error = asio::ssl::error::unspecified_system_error;
      return Next::failed;
  }
}

bool TlsStream::take_output() {
  const std::size_t pending = BIO_ctrl_pending(out_);
  if (pending == 0) return false;
  outgoing_.resize(pending);
  const int n = BIO_read(out_, outgoing_.data(), static_cast<int>(pending));
  outgoing_.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return !outgoing_.empty();
}

asio::mutable_buffer TlsStream::input_space() {
  if (!incoming_) incoming_.reset(new char[kIncomingBytes]);
  return {incoming_.get(), kIncomingBytes};
}

bool TlsStream::give_input(std::size_t n) {
  return BIO_write(in_, incoming_.get(), static_cast<int>(n)) == static_cast<int>(n);
}

boost::system::error_code TlsStream::end_of_input() const {
  if ((SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0) return asio::error::eof;
  return asio::ssl::error::stream_truncated;
}

}  // namespace latchkey::proxy

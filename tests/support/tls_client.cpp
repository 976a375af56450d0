#include "tests/support/tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

namespace latchkey::test {

namespace {

std::string openssl_errors() {
  std::string text;
  while (const unsigned long error = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no OpenSSL error queued" : text;
}

std::vector<unsigned char> alpn_wire(const std::string& list) {
  std::vector<unsigned char> wire;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, end - start);
    wire.push_back(static_cast<unsigned char>(name.size()));
    wire.insert(wire.end(), name.begin(), name.end());
    start = end + 1;
  }
  return wire;
}

}  // namespace

struct TlsClient::State {
  int fd = -1;
  SSL_CTX* context = nullptr;
  SSL* ssl = nullptr;
  std::string pending;  // bytes read past the previous reply

  ~State() {
    if (ssl != nullptr) SSL_free(ssl);
    if (context != nullptr) SSL_CTX_free(context);
    if (fd >= 0) ::close(fd);
  }
};

TlsClient::TlsClient(int port, const TlsClientOptions& options)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.context = SSL_CTX_new(TLS_client_method());
  if (options.only_tls11) {
    // OpenSSL 3 refuses TLS 1.1 above security level 0; an old client is what we imitate.
    SSL_CTX_set_security_level(s.context, 0);
    SSL_CTX_set_min_proto_version(s.context, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(s.context, TLS1_1_VERSION);
  }
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(s.context, options.ca_file.c_str(), nullptr) != 1) {
      throw std::runtime_error("cannot load " + options.ca_file + ": " + openssl_errors());
    }
    SSL_CTX_set_verify(s.context, SSL_VERIFY_PEER, nullptr);
  }
  if (!options.alpn.empty()) {
    const auto wire = alpn_wire(options.alpn);
    SSL_CTX_set_alpn_protos(s.context, wire.data(), static_cast<unsigned>(wire.size()));
  }

  s.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{10, 0};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  s.ssl = SSL_new(s.context);
  SSL_set_fd(s.ssl, s.fd);
  SSL_set_tlsext_host_name(s.ssl, options.server_name.c_str());
  if (!options.ca_file.empty()) SSL_set1_host(s.ssl, options.server_name.c_str());
  ERR_clear_error();
  if (SSL_connect(s.ssl) != 1) {
    throw std::runtime_error("TLS handshake failed: " + openssl_errors());
  }
}

TlsClient::~TlsClient() = default;

std::string TlsClient::peer_serial() const {
  X509* certificate = SSL_get1_peer_certificate(state_->ssl);
  if (certificate == nullptr) return "";
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get_serialNumber(certificate), nullptr);
  char* text = BN_bn2dec(number);
  std::string serial(text);
  OPENSSL_free(text);
  BN_free(number);
  X509_free(certificate);
  return serial;
}

std::string TlsClient::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(state_->ssl, &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

std::string TlsClient::version() const {
  return SSL_get_version(state_->ssl);
}

TlsReply TlsClient::get(const std::string& path) {
  send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  return read_reply();
}

void TlsClient::send(const std::string& bytes) {
  if (SSL_write(state_->ssl, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
    throw std::runtime_error("TLS write failed: " + openssl_errors());
  }
}

void TlsClient::send_records(const std::vector<std::string>& pieces) {
  // Corked, the kernel holds every record's write until the last one is in.
  int on = 1;
  ::setsockopt(state_->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  for (const auto& piece : pieces) send(piece);
  int off = 0;
  ::setsockopt(state_->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
}

TlsReply TlsClient::read_reply() {
  State& s = *state_;
  auto fill = [&] {
    char chunk[4096];
    const int n = SSL_read(s.ssl, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("connection closed or timed out: " + openssl_errors());
    s.pending.append(chunk, static_cast<std::size_t>(n));
  };
  while (s.pending.find("\r\n\r\n") == std::string::npos) fill();
  const auto head_end = s.pending.find("\r\n\r\n") + 4;
  TlsReply reply;
  reply.headers = s.pending.substr(0, head_end);
  reply.status = std::stoi(reply.headers.substr(9, 3));
  std::size_t length = 0;
  for (const std::string name : {"Content-Length: ", "content-length: "}) {
    const auto at = reply.headers.find(name);
    if (at != std::string::npos) length = std::stoul(reply.headers.substr(at + name.size()));
  }
  while (s.pending.size() < head_end + length) fill();
  reply.body = s.pending.substr(head_end, length);
  s.pending.erase(0, head_end + length);
  return reply;
}

}  // namespace latchkey::test

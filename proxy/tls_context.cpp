#include "proxy/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <stdexcept>
#include <string_view>

#include "proxy/ticket_keys.hpp"

namespace latchkey::proxy {
namespace ssl = boost::asio::ssl;

namespace {

// Mozilla "intermediate" minus DHE: forward secrecy and AEAD only. TLS 1.3 suites are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr std::string_view kHttp11 = "http/1.1";
// RFC 7301 wire form: length-prefixed protocol names.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

void check(const boost::system::error_code& ec, const std::string& what) {
  if (ec) throw std::runtime_error(what + ": " + ec.message());
}

// Elliptic-curve key exchange only: OpenSSL 3.0 also offers finite-field groups up to ffdhe8192
// in TLS 1.3, and a client asking for that one costs ~100 ms of an IO thread per handshake.
constexpr const char* kKeyExchangeGroups = "X25519:P-256:P-384";

// An encrypted key is refused, never prompted for: a prompt on a terminal would hang the
// reload holding its lock, and OpenSSL's prompt code swallows SIGTERM meanwhile.
int refuse_passphrase(char* /*buffer*/, int /*size*/, int /*writing*/, void* /*user*/) {
  return 0;
}

// Settings both sides share: TLS 1.2 minimum, no compression or renegotiation, modern ciphers.
void harden(TlsContext& context) {
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::no_compression);
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    throw std::runtime_error("the TLS 1.2 cipher list is not supported by this OpenSSL");
  }
  if (SSL_CTX_set1_groups_list(native, kKeyExchangeGroups) != 1) {
    throw std::runtime_error("the key exchange groups are not supported by this OpenSSL");
  }
  SSL_CTX_set_default_passwd_cb(native, refuse_passphrase);
}

void use_certificate(TlsContext& context, const std::string& cert_file,
                     const std::string& key_file) {
  boost::system::error_code ec;
  context.use_certificate_chain_file(cert_file, ec);
  check(ec, "\"" + cert_file + "\"");
  context.use_private_key_file(key_file, ssl::context::pem, ec);
  check(ec, "\"" + key_file + "\"");
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    throw std::runtime_error(
        "\"" + key_file + "\" is not the private key of the certificate in \"" + cert_file + "\"");
  }
}

// Picks http/1.1 from the client's ALPN list; with no http/1.1 on offer, no protocol is
// acknowledged (RFC 7301 §3.2 allows that), so a client offering only h2 cannot get it.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_length,
                  const unsigned char* in, unsigned int in_length, void*) {
  unsigned int at = 0;
  while (at < in_length) {
    const unsigned int length = in[at];
    if (at + 1 + length > in_length) break;
    const std::string_view name(reinterpret_cast<const char*>(in + at + 1), length);
    if (name == kHttp11) {
      *out = in + at + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    at += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::shared_ptr<TlsContext> make_server_tls_context(const config::TlsFiles& files) {
  auto context = std::make_shared<TlsContext>(ssl::context::tls_server);
  harden(*context);
  SSL_CTX_set_options(context->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  use_certificate(*context, files.cert_file, files.key_file);
  SSL_CTX_set_alpn_select_cb(context->native_handle(), &select_http11, nullptr);
  use_rotating_ticket_keys(context->native_handle());
  return context;
}

ServerTlsContexts::ServerTlsContexts(const std::vector<config::Listener>& listeners) {
  for (const auto& listener : listeners) {
    files_.push_back(listener.tls);
    contexts_.push_back(listener.tls ? make_server_tls_context(*listener.tls) : nullptr);
  }
}

std::shared_ptr<TlsContext> ServerTlsContexts::current(std::size_t listener) const {
  std::lock_guard lock(mutex_);
  return listener < contexts_.size() ? contexts_[listener] : nullptr;
}

bool ServerTlsContexts::any() const {
  std::lock_guard lock(mutex_);
  for (const auto& files : files_) {
    if (files) return true;
  }
  return false;
}

std::vector<std::string> ServerTlsContexts::reload() {
  std::vector<config::Listener> listeners;
  {
    std::lock_guard lock(mutex_);
    for (const auto& files : files_) listeners.push_back(config::Listener{{}, files});
  }
  return reload(listeners);
}

std::vector<std::string> ServerTlsContexts::reload(const std::vector<config::Listener>& listeners) {
  std::vector<std::optional<config::TlsFiles>> files;
  std::vector<std::shared_ptr<TlsContext>> fresh;
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    files.push_back(listeners[i].tls);
    try {
      fresh.push_back(listeners[i].tls ? make_server_tls_context(*listeners[i].tls) : nullptr);
    } catch (const std::exception& e) {
      problems.push_back("listen[" + std::to_string(i) + "].tls: " + e.what());
    }
  }
  std::lock_guard lock(mutex_);
  if (listeners.size() != contexts_.size()) {
    problems.push_back("the number of listeners changed (" + std::to_string(contexts_.size()) +
                       " to " + std::to_string(listeners.size()) + "); restart to rebind");
  }
  if (!problems.empty()) return problems;
  files_.swap(files);
  contexts_.swap(fresh);
  return problems;  // the old contexts die with the last connection that uses them
}

std::shared_ptr<TlsContext> make_upstream_tls_context(const config::Upstream& upstream) {
  auto context = std::make_shared<TlsContext>(ssl::context::tls_client);
  harden(*context);
  boost::system::error_code ec;
  if (upstream.tls_insecure_skip_verify) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->set_verify_mode(ssl::verify_peer);
    if (upstream.ca_file) {
      context->load_verify_file(*upstream.ca_file, ec);
      check(ec, "\"" + *upstream.ca_file + "\"");
    } else {
      context->set_default_verify_paths(ec);
      check(ec, "the system CA store");
    }
  }
  if (upstream.client_cert_file && upstream.client_key_file) {
    use_certificate(*context, *upstream.client_cert_file, *upstream.client_key_file);
  }
  SSL_CTX_set_alpn_protos(context->native_handle(), kAlpnHttp11, sizeof kAlpnHttp11);
  return context;
}

bool prepare_upstream_tls(SSL* ssl, const config::Upstream& upstream) {
  const bool ip = is_ip_literal(upstream.host);
  // RFC 6066 §3: SNI carries host names only, never address literals.
  if (!ip && SSL_set_tlsext_host_name(ssl, upstream.host.c_str()) != 1) return false;
  if (upstream.tls_insecure_skip_verify) return true;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ip) return X509_VERIFY_PARAM_set1_ip_asc(param, upstream.host.c_str()) == 1;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, upstream.host.c_str()) == 1;
}

UpstreamTlsContexts::UpstreamTlsContexts(const std::vector<config::Route>& routes) {
  for (const auto& route : routes) {
    if (route.upstream.scheme == "https") {
      contexts_.emplace(&route, make_upstream_tls_context(route.upstream));
    }
  }
}

std::shared_ptr<TlsContext> UpstreamTlsContexts::for_route(const config::Route& route) const {
  const auto it = contexts_.find(&route);
  return it == contexts_.end() ? nullptr : it->second;
}

}  // namespace latchkey::proxy

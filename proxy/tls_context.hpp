// TLS contexts: one per TLS listener (swapped whole on reload, so a new connection takes the
// current certificate and an open one keeps the context it started with) and one per https
// upstream route.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace latchkey::proxy {

using TlsContext = boost::asio::ssl::context;

// TLS 1.2 and 1.3 only, ECDHE with AEAD ciphers for 1.2, ALPN http/1.1 only (h2 is never
// selected: latchkey speaks HTTP/1.1). Reads the files; throws std::runtime_error naming the
// file that failed and why.
std::shared_ptr<TlsContext> make_server_tls_context(const config::TlsFiles& files);

// The current context of every listener; null for plain ones.
class ServerTlsContexts {
 public:
  // Throws std::runtime_error like make_server_tls_context.
  explicit ServerTlsContexts(const std::vector<config::Listener>& listeners);

  std::shared_ptr<TlsContext> current(std::size_t listener) const;
  bool any() const;
  // Re-reads every TLS listener's files. All or nothing: when one fails, every listener keeps
  // its context and the problems are returned, one per listener.
  std::vector<std::string> reload();
  // The same with the listeners of a reloaded config (same count and order: sockets stay
  // bound), which may name other files or turn TLS on or off for a listener.
  std::vector<std::string> reload(const std::vector<config::Listener>& listeners);

 private:
  std::vector<std::optional<config::TlsFiles>> files_;  // guarded by mutex_ after construction
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<TlsContext>> contexts_;
};

// For an https upstream: TLS 1.2+, the peer verified against `ca_file` or the system store
// (unless tls_insecure_skip_verify), the optional client certificate. Throws
// std::runtime_error naming the file that failed.
std::shared_ptr<TlsContext> make_upstream_tls_context(const config::Upstream& upstream);

// Sets SNI and the expected host name (or IP address) on one upstream connection.
// Returns false when OpenSSL refuses them.
bool prepare_upstream_tls(SSL* ssl, const config::Upstream& upstream);

// One context per route with an https upstream, keyed by the route's address in its config.
class UpstreamTlsContexts {
 public:
  explicit UpstreamTlsContexts(const std::vector<config::Route>& routes);
  // Null for http upstreams.
  std::shared_ptr<TlsContext> for_route(const config::Route& route) const;

 private:
  std::map<const config::Route*, std::shared_ptr<TlsContext>> contexts_;
};

}  // namespace latchkey::proxy

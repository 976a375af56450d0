// A service latchkey answers itself on the proxy listener (the OAuth token endpoint, the
// self-service page): it gets the whole request, its body read and bounded, and returns the
// whole response. It never touches a socket; the session reads and writes for it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace latchkey::proxy {

struct Gateway;

struct EndpointRequest {
  boost::beast::http::request<boost::beast::http::string_body> message;
  std::string path;            // canonical path (route_path), what the endpoint matched on
  std::string client_address;  // for brute-force budgets and the audit log
  bool client_tls = false;     // decides cookie `Secure` and the like
};

struct EndpointResult {
  boost::beast::http::response<boost::beast::http::string_body> response;
  std::string user;    // who it acted for, for the access log; empty when nobody
  std::string reason;  // why it refused, for the access log and metrics; empty when served
  // A spent failure budget's 429 and its Retry-After: the session holds it as the proxy's
  // (brute_force.over_budget_delay) before writing it.
  std::optional<std::chrono::seconds> over_budget;
};

class LocalEndpoint {
 public:
  virtual ~LocalEndpoint() = default;

  // Short name for the access log's `route` field and metrics ("oauth", "account").
  virtual std::string_view name() const = 0;
  // Whether this endpoint answers `path` (canonical, as from route_path()).
  virtual bool matches(std::string_view path) const = 0;
  // Whether it answers on `host`, the Host field as sent (any case, optional port); asked only
  // once the path matched, so the common request never normalises it.
  virtual bool serves_host(std::string_view /*host*/) const { return true; }
  // Bodies beyond this are refused with 413 before or while reading them.
  virtual std::size_t max_body_bytes() const { return 64 * 1024; }
  // Runs on the connection's loop: database and Argon2 work go through gateway.verify_pool.
  // The session sets version, keep-alive and Content-Length on the response.
  virtual boost::asio::awaitable<EndpointResult> handle(Gateway& gateway,
                                                        EndpointRequest request) = 0;
};

using LocalEndpoints = std::vector<std::shared_ptr<LocalEndpoint>>;

// The first endpoint that answers `path` on `host` (the Host field as sent), or nullptr.
LocalEndpoint* find_local_endpoint(const LocalEndpoints& endpoints, std::string_view host,
                                   std::string_view path);

}  // namespace latchkey::proxy

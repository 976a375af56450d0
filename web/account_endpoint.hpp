// The self-service Account Security page and its JSON API under one path prefix on the proxy
// listener, answered by latchkey itself (proxy::LocalEndpoint). Sessions, CSRF and budgets are
// decided here; what each call does is AccountService's, run on the blocking pool.
#pragma once

#include <string>

#include "config/config.hpp"
#include "proxy/local_endpoint.hpp"
#include "web/account_service.hpp"

namespace latchkey::web {

class AccountEndpoint : public proxy::LocalEndpoint {
 public:
  AccountEndpoint(config::SelfService config, const AccountService& service);

  std::string_view name() const override { return "account"; }
  bool matches(std::string_view path) const override;
  bool serves_host(std::string_view host) const override;  // self_service.host, if named
  std::size_t max_body_bytes() const override { return 16 * 1024; }
  boost::asio::awaitable<proxy::EndpointResult> handle(proxy::Gateway& gateway,
                                                       proxy::EndpointRequest request) override;

 private:
  config::SelfService config_;
  const AccountService& service_;
};

}  // namespace latchkey::web

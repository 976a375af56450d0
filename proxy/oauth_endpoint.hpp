// The OAuth 2.0 endpoints on the proxy listener: token (RFC 6749 §4.3 password grant with an
// application password, §6 refresh with rotation), revocation (RFC 7009) and introspection
// (RFC 7662). Store work runs on gateway.verify_pool; failure budgets apply as to Basic auth.
#pragma once

#include "auth/credential_store.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/token_store.hpp"
#include "config/config.hpp"
#include "proxy/local_endpoint.hpp"

namespace latchkey::proxy {

class OAuthEndpoint : public LocalEndpoint {
 public:
  OAuthEndpoint(config::OAuth config, auth::TokenStore& tokens, auth::CredentialStore& credentials,
                const auth::KeyedHasher& hasher);

  std::string_view name() const override { return "oauth"; }
  bool matches(std::string_view path) const override;
  // A grant is a few hundred bytes; anything near this is no OAuth client.
  std::size_t max_body_bytes() const override { return 8 * 1024; }
  boost::asio::awaitable<EndpointResult> handle(Gateway& gateway, EndpointRequest request) override;

 private:
  struct Form;
  boost::asio::awaitable<EndpointResult> token(Gateway& gateway, const EndpointRequest& request,
                                               const Form& form);
  boost::asio::awaitable<EndpointResult> password_grant(Gateway& gateway,
                                                        const EndpointRequest& request,
                                                        const Form& form);
  boost::asio::awaitable<EndpointResult> refresh_grant(Gateway& gateway,
                                                       const EndpointRequest& request,
                                                       const Form& form);
  boost::asio::awaitable<EndpointResult> revoke(Gateway& gateway, const EndpointRequest& request,
                                                const Form& form);
  boost::asio::awaitable<EndpointResult> introspect(Gateway& gateway,
                                                    const EndpointRequest& request,
                                                    const Form& form);

  config::OAuth config_;
  auth::TokenStore& tokens_;
  auth::CredentialStore& credentials_;
  const auth::KeyedHasher& hasher_;
};

}  // namespace latchkey::proxy

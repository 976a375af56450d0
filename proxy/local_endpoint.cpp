#include "proxy/local_endpoint.hpp"

namespace latchkey::proxy {

LocalEndpoint* find_local_endpoint(const LocalEndpoints& endpoints, std::string_view host,
                                   std::string_view path) {
  for (const auto& endpoint : endpoints) {
    if (endpoint->matches(path) && endpoint->serves_host(host)) return endpoint.get();
  }
  return nullptr;
}

}  // namespace latchkey::proxy

#include "proxy/gateway.hpp"
#include "proxy/header_rewrite.hpp"

namespace latchkey::proxy {

std::vector<std::string> Routing::collect_identity_header_names_for(
    const std::vector<config::Route>& routes) {
  return collect_identity_header_names(routes);
}

}  // namespace latchkey::proxy

#include "tests/e2e/limited_deployment.hpp"

#include <sstream>

namespace latchkey::test {

namespace {

DeploymentOptions limited_options(const MisbehavingUpstream& misbehaving) {
  DeploymentOptions options;
  std::ostringstream server;
  server << "{ header_timeout: 1s, idle_timeout: 2s, body_timeout: 1s, max_header_bytes: "
         << kLimitedMaxHeaderBytes << ", max_header_count: " << kLimitedMaxHeaderCount
         << ", max_requests_per_connection: " << kLimitedMaxRequests << " }";
  options.server = server.str();
  const std::string bad = misbehaving.url();
  std::ostringstream routes;
  routes << "  - name: raw\n"
         << "    match: { path_prefix: /raw }\n"
         << "    upstream: { url: \"" << bad << "\" }\n"
         << "    auth: none\n"
         << "  - name: stall\n"
         << "    match: { path_prefix: /stall }\n"
         << "    upstream: { url: \"" << bad << "\", response_timeout: 1s }\n"
         << "    auth: none\n"
         << "  - name: endless-trailers\n"
         << "    match: { path_prefix: /endless-trailers }\n"
         << "    upstream: { url: \"" << bad << "\" }\n"
         << "    auth: none\n"
         << "  - name: stall-body\n"
         << "    match: { path_prefix: /stall-body }\n"
         << "    upstream: { url: \"" << bad << "\" }\n"
         << "    auth: none\n"
         << "  - name: pooled\n"
         << "    match: { path_prefix: /connections }\n"
         << "    upstream: { url: \"" << bad << "\", idle_timeout: 500ms }\n"
         << "    auth: none\n"
         << "  - name: blackhole\n"
         << "    match: { path_prefix: /blackhole }\n"
         << "    upstream: { url: \"http://127.0.0.1:" << misbehaving.blackhole_port()
         << "\", connect_timeout: 500ms }\n"
         << "    auth: none\n"
         << "  - name: capped\n"
         << "    match: { path_prefix: /capped }\n"
         << "    upstream: { url: \"@UPSTREAM@\" }\n"
         << "    auth: none\n"
         << "    limits: { max_body_bytes: " << kLimitedBodyBytes << " }\n";
  options.extra_routes = routes.str();
  return options;
}

}  // namespace

LimitedDeployment::LimitedDeployment() : deployment(limited_options(misbehaving)) {}

LimitedDeployment& limited() {
  static LimitedDeployment instance;
  return instance;
}

}  // namespace latchkey::test

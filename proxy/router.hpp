// Picks the route for a request: host must match (or the route names none), the path must
// start with the route's prefix on a segment boundary; the longest prefix wins, and on a tie
// a route that names the host beats one that does not.
#pragma once

#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace latchkey::proxy {

class Router {
 public:
  explicit Router(const std::vector<config::Route>& routes);  // keeps a pointer: outlive it

  // `host` is the Host header as sent (any case, optional port); `target` the origin-form
  // request target (path and optional query).
  const config::Route* match(std::string_view host, std::string_view target) const;

 private:
  const std::vector<config::Route>& routes_;
  bool any_ignore_case_ = false;  // only then is a lower-cased copy of each path made
};

// "Example.COM:8443" -> "example.com"; "[::1]:80" -> "[::1]".
std::string host_without_port(std::string_view host);

// Whether `path` lies under `prefix`: "/api" covers "/api" and "/api/x" but not "/apix".
bool path_has_prefix(std::string_view path, std::string_view prefix);

}  // namespace latchkey::proxy

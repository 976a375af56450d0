// The path that routing decisions are made on. Upstreams disagree on spelling: many decode
// %XX before routing, merge "//", or drop ";params" (Tomcat, Jetty), so "/%61dmin",
// "//admin" and "/x/..;/admin" may all mean "/admin" to them. latchkey routes on the most
// decoded reading, so a path can only fall under a more protected route, never escape one.
#pragma once

#include <string>
#include <string_view>

namespace latchkey::proxy {

// Path part of `target` (query dropped) with percent-encoded unreserved characters and '/'
// decoded, ";params" removed from each segment and runs of '/' merged. Other %XX stay as
// written (upper-cased).
std::string route_path(std::string_view target);

}  // namespace latchkey::proxy

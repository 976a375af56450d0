// Checks on a parsed request head that Beast's parser does not make, done before routing.
// Each returns the reason for a 400 (for the log and metrics), or nullopt when acceptable.
#pragma once

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string_view>

namespace latchkey::proxy {

using RequestHeader = boost::beast::http::request_header<>;

// Ambiguous framing is how requests are smuggled past a proxy (DESIGN.md §5.6).
std::optional<std::string_view> framing_problem(const RequestHeader& header);

// Dot-segments and backslashes could make the upstream resolve a path outside the route
// (or outside an `auth: none` prefix) that latchkey matched; refuse them instead of guessing.
std::optional<std::string_view> target_problem(const RequestHeader& header);

// HTTP/1.1 needs exactly one Host (RFC 9112 §3.2); routing depends on it.
std::optional<std::string_view> host_problem(const RequestHeader& header);

// All three, in order.
std::optional<std::string_view> request_head_problem(const RequestHeader& header);

}  // namespace latchkey::proxy

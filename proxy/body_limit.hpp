// A route's `limits.max_body_bytes` on a request whose head has been read.
#pragma once

#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "proxy/forward.hpp"

namespace latchkey::proxy {

// "body_too_large" when the Content-Length is over the limit (answered 413 before anything is
// forwarded); otherwise arms the parser, so that a chunked body growing past the limit fails
// mid-stream with http::error::body_limit.
std::optional<std::string_view> apply_body_limit(const config::Route& route, RequestParser& parser);

}  // namespace latchkey::proxy

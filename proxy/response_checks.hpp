// Checks on a parsed upstream response head. A response the client could frame differently
// from latchkey would let the upstream (or whoever controls it) desynchronise the client
// connection, so it is answered 502 and never relayed.
#pragma once

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string_view>

namespace latchkey::proxy {

using ResponseHeader = boost::beast::http::response_header<>;

// The reason a response head must not be relayed, or nullopt when it may.
std::optional<std::string_view> response_head_problem(const ResponseHeader& header);

}  // namespace latchkey::proxy

// How a message's body is delimited, checked the same way in both directions: a request the
// upstream would frame differently from latchkey is smuggling (DESIGN.md §5.6), and so is a
// response the client would frame differently from latchkey.
#pragma once

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string_view>

namespace latchkey::proxy {

// Control characters in values, duplicate or malformed Content-Length, Content-Length with
// Transfer-Encoding, Transfer-Encoding on HTTP/1.0, and any coding but a single `chunked`.
template <bool isRequest>
std::optional<std::string_view> message_framing_problem(
    const boost::beast::http::header<isRequest>& header);

}  // namespace latchkey::proxy

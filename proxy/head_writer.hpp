// A message head as the bytes Beast's serializer would send, in one contiguous buffer: the
// proxy sends it with the first body bytes in one gather write, without walking the
// serializer's buffer views field by field (a tenth of the CPU of a small proxied request).
#pragma once

#include <boost/beast/http/message.hpp>
#include <string>

namespace latchkey::proxy {

// "<method> <target> HTTP/x.y\r\n", the fields, "\r\n"; replaces `out`.
void write_head(const boost::beast::http::request_header<>& head, std::string& out);
// "HTTP/x.y <code> <reason>\r\n", the fields, "\r\n"; replaces `out`.
void write_head(const boost::beast::http::response_header<>& head, std::string& out);

}  // namespace latchkey::proxy

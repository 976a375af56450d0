// The responses of the self-service page and API, each with the security headers: a strict
// Content-Security-Policy (no inline script), no framing, no referrer, no caching.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "web/assets.hpp"

namespace latchkey::web {

using Response = boost::beast::http::response<boost::beast::http::string_body>;

// One of the page's files.
Response asset_response(const Asset& asset);
// A JSON body.
Response json_response(boost::beast::http::status status, const boost::json::value& body);
// {"error": reason, "message": message}; `message` is for people, `reason` for scripts.
Response error_response(boost::beast::http::status status, std::string_view reason,
                        std::string_view message);
Response no_content();
// A permanent redirect to `location` (the prefix with its trailing '/').
Response redirect(std::string_view location);

}  // namespace latchkey::web

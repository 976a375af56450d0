#include "web/responses.hpp"

#include <boost/json/serialize.hpp>

namespace latchkey::web {
namespace http = boost::beast::http;

namespace {

// Only the page's own files; SVG QR codes arrive as data: images.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
constexpr std::string_view kApiPolicy = "default-src 'none'; frame-ancestors 'none'";

Response with_headers(http::status status, std::string_view policy) {
  Response response{status, 11};
  response.set("Content-Security-Policy", policy);
  response.set(http::field::x_frame_options, "DENY");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set("Cross-Origin-Opener-Policy", "same-origin");
  response.set(http::field::cache_control, "no-store");
  return response;
}

}  // namespace

Response asset_response(const Asset& asset) {
  Response response = with_headers(http::status::ok, kPagePolicy);
  response.set(http::field::content_type, asset.content_type);
  response.body() = std::string(asset.body);
  return response;
}

Response json_response(http::status status, const boost::json::value& body) {
  Response response = with_headers(status, kApiPolicy);
  response.set(http::field::content_type, "application/json");
  response.body() = boost::json::serialize(body);
  return response;
}

Response error_response(http::status status, std::string_view reason, std::string_view message) {
  return json_response(status, boost::json::object{{"error", reason}, {"message", message}});
}

Response no_content() {
  return with_headers(http::status::no_content, kApiPolicy);
}

Response redirect(std::string_view location) {
  Response response = with_headers(http::status::permanent_redirect, kApiPolicy);
  response.set(http::field::location, location);
  return response;
}

}  // namespace latchkey::web

// The embedded page: its files are there, load nothing from elsewhere and run no inline script
// (the Content-Security-Policy would block it), and the QR code is a self-contained SVG.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "web/assets.hpp"
#include "web/qr_svg.hpp"
#include "web/responses.hpp"

using namespace latchkey::web;

BOOST_AUTO_TEST_SUITE(page)

BOOST_AUTO_TEST_CASE(page_files_are_embedded_with_their_types) {
  const Asset* index = find_asset("index.html");
  BOOST_TEST_REQUIRE(index != nullptr);
  BOOST_TEST(index->content_type == "text/html; charset=utf-8");
  BOOST_TEST(find_asset("app.js")->content_type == "text/javascript; charset=utf-8");
  BOOST_TEST(find_asset("app.css")->content_type == "text/css; charset=utf-8");
  BOOST_TEST(find_asset("../index.html") == nullptr);
  BOOST_TEST(find_asset("") == nullptr);
}

BOOST_AUTO_TEST_CASE(page_has_no_inline_script_and_no_foreign_resource) {
  const std::string_view html = find_asset("index.html")->body;
  BOOST_TEST(html.find("<script src=\"app.js\"") != std::string_view::npos);
  BOOST_TEST(html.find("<script>") == std::string_view::npos);
  BOOST_TEST(html.find(" onclick") == std::string_view::npos);
  BOOST_TEST(html.find("http://") == std::string_view::npos);
  BOOST_TEST(html.find("https://") == std::string_view::npos);
  // The dialogs of the walk-through are native <dialog>s (focus kept inside while open).
  BOOST_TEST(html.find("<dialog id=\"new-password-dialog\"") != std::string_view::npos);
  BOOST_TEST(html.find("Generate password") != std::string_view::npos);
  BOOST_TEST(html.find("Copy password") != std::string_view::npos);
  BOOST_TEST(html.find("The dashes are optional") != std::string_view::npos);
}

BOOST_AUTO_TEST_CASE(responses_carry_the_security_headers) {
  const Response page = asset_response(*find_asset("index.html"));
  const std::string policy(page["Content-Security-Policy"]);
  BOOST_TEST(policy.find("script-src 'self'") != std::string::npos);
  BOOST_TEST(policy.find("frame-ancestors 'none'") != std::string::npos);
  BOOST_TEST(policy.find("unsafe-inline") == std::string::npos);
  BOOST_TEST(page["X-Frame-Options"] == "DENY");
  BOOST_TEST(page["Referrer-Policy"] == "no-referrer");
  const Response api = error_response(boost::beast::http::status::forbidden, "x", "y");
  BOOST_TEST(api["Cache-Control"] == "no-store");
  BOOST_TEST(api["Content-Type"] == "application/json");
  BOOST_TEST(api.body() == R"({"error":"x","message":"y"})");
}

BOOST_AUTO_TEST_CASE(qr_code_is_an_svg_of_dark_modules) {
  const std::string svg = qr_svg("otpauth://totp/latchkey:alice?secret=JBSWY3DPEHPK3PXP");
  BOOST_TEST(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  BOOST_TEST(svg.find("<path fill=\"#000\" d=\"M") != std::string::npos);
  BOOST_TEST(svg.find("<script") == std::string::npos);
  // Version 3 or more for this length: at least 29 modules plus the quiet zone of 4 each side.
  const auto box = svg.find("viewBox=\"0 0 ");
  BOOST_TEST_REQUIRE(box != std::string::npos);
  BOOST_TEST(std::stoi(svg.substr(box + 13)) >= 37);
}

BOOST_AUTO_TEST_SUITE_END()

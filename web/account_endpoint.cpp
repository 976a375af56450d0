#include "web/account_endpoint.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/failure_budget.hpp"
#include "db/errors.hpp"
#include "proxy/gateway.hpp"
#include "proxy/router.hpp"
#include "web/api_handlers.hpp"
#include "web/api_routes.hpp"
#include "web/cookie.hpp"
#include "web/csrf.hpp"
#include "web/responses.hpp"

namespace latchkey::web {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kApi = "api/";

// Every Cookie field joined, as RFC 6265 §5.4 has a client send one.
std::string cookie_header(const http::request<http::string_body>& message) {
  std::string joined;
  const auto [first, last] = message.equal_range(http::field::cookie);
  for (auto field = first; field != last; ++field) {
    if (!joined.empty()) joined += "; ";
    joined += std::string(field->value());
  }
  return joined;
}

proxy::EndpointResult served(Response response, std::string user = {}) {
  return proxy::EndpointResult{std::move(response), std::move(user), {}, {}};
}

proxy::EndpointResult refused(Response response, std::string reason, std::string user = {}) {
  return proxy::EndpointResult{std::move(response), std::move(user), std::move(reason), {}};
}

}  // namespace

AccountEndpoint::AccountEndpoint(config::SelfService config, const AccountService& service)
    : config_(std::move(config)), service_(service) {}

bool AccountEndpoint::matches(std::string_view path) const {
  const std::string_view prefix = config_.path_prefix;
  return path.starts_with(prefix) || path == prefix.substr(0, prefix.size() - 1);
}

bool AccountEndpoint::serves_host(std::string_view host) const {
  return !config_.host || *config_.host == proxy::host_without_port(host);
}

asio::awaitable<proxy::EndpointResult> AccountEndpoint::handle(proxy::Gateway& gateway,
                                                               proxy::EndpointRequest request) {
  const std::string_view prefix = config_.path_prefix;
  if (request.path.size() < prefix.size()) co_return served(redirect(prefix));
  const std::string sub = request.path.substr(prefix.size());
  const std::string_view method = request.message.method_string();

  if (!sub.starts_with(kApi)) {
    const Asset* asset = find_asset(sub.empty() ? "index.html" : sub);
    if (asset == nullptr) {
      co_return refused(error_response(http::status::not_found, "not_found", "No such page."),
                        "self_service_not_found");
    }
    if (method != "GET") {
      co_return refused(error_response(http::status::method_not_allowed, "method_not_allowed",
                                       "Only GET is allowed here."),
                        "self_service_bad_method");
    }
    co_return served(asset_response(*asset));
  }

  const auto matched = match_api(method, std::string_view(sub).substr(kApi.size()));
  if (const auto* miss = std::get_if<ApiMiss>(&matched)) {
    if (*miss == ApiMiss::method_not_allowed) {
      co_return refused(error_response(http::status::method_not_allowed, "method_not_allowed",
                                       "This method is not allowed here."),
                        "self_service_bad_method");
    }
    co_return refused(error_response(http::status::not_found, "not_found", "No such API call."),
                      "self_service_not_found");
  }
  const ApiMatch api = std::get<ApiMatch>(matched);
  const bool changes_state = is_state_changing(method);

  // Login CSRF too: a state-changing call from another site never reaches a handler.
  if (changes_state) {
    const RequestOrigin origin{
        request.message[http::field::origin], request.message["Sec-Fetch-Site"],
        request.message[http::field::host], request.client_tls || config_.secure_cookie};
    if (const auto problem = cross_site_problem(origin)) {
      co_return refused(error_response(http::status::forbidden, "cross_site",
                                       "Requests from other sites are refused."),
                        std::string(*problem));
    }
  }

  ApiCall call{gateway, service_, config_, request, api, {}, std::nullopt, {},
               session_cookie_scope(config_.host.has_value(), prefix,
                                    request.client_tls || config_.secure_cookie)};
  const std::string cookies = cookie_header(request.message);
  // Login CSRF: a planted second session cookie could be the one we read; neither is used, and
  // none is cleared (that would leave the planted one alone).
  if (api.action != ApiAction::sign_in && cookie_repeated(cookies, call.cookie.name)) {
    co_return refused(error_response(http::status::unauthorized, "signed_out",
                                     "Your browser sent two session cookies for this page; "
                                     "delete this site's cookies and sign in again."),
                      "session_cookie_repeated");
  }
  const std::optional<std::string> session_id = find_cookie(cookies, call.cookie.name);
  if (session_id && !session_id->empty() && api.action != ApiAction::sign_in) {
    call.session_id = *session_id;
    // Named, not a temporary of the co_await expression: g++ 12 may destroy such temporaries
    // twice (GCC PR 100611), and this one owns a string.
    auto lookup = [this, &call] { return service_.find_session(call.session_id); };
    auto found = co_await gateway.verify_pool.run(std::move(lookup));
    if (!found) {
      co_return refused(error_response(http::status::service_unavailable, "busy",
                                       "The server is busy; try again."),
                        "verify_queue_full");
    }
    call.session = std::move(*found);
  }
  if (needs_session(api.action) && !call.session) {
    Response response = error_response(http::status::unauthorized, "signed_out",
                                       "Your session has ended; sign in again.");
    if (session_id) {
      response.set(http::field::set_cookie, cleared_cookie(call.cookie));
    }
    co_return refused(std::move(response), "self_service_no_session");
  }
  // Signed in, every state-changing call carries the session's CSRF token.
  if (changes_state && call.session) {
    const std::string expected = csrf_token_for(service_.hasher(), call.session_id);
    if (!csrf_token_matches(expected, request.message[kCsrfHeader])) {
      co_return refused(error_response(http::status::forbidden, "csrf_token",
                                       "The request lacks this session's X-CSRF-Token."),
                        "csrf_token", call.session->username);
    }
  }
  if (changes_state && !request.message.body().empty()) {
    // A JSON content type also makes a cross-site browser ask first (CORS preflight).
    if (!request.message[http::field::content_type].starts_with("application/json")) {
      co_return refused(error_response(http::status::unsupported_media_type, "content_type",
                                       "Send the body as application/json."),
                        "self_service_content_type");
    }
    boost::system::error_code ec;
    json::value body = json::parse(request.message.body(), ec);
    if (ec || !body.is_object()) {
      co_return refused(
          error_response(http::status::bad_request, "bad_json", "The body is not a JSON object."),
          "self_service_bad_json");
    }
    call.body = std::move(body.as_object());
  }
  co_return co_await run_api_call(call);
}

}  // namespace latchkey::web

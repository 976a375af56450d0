#include "proxy/serve_local_endpoint.hpp"

#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "proxy/client_body_failure.hpp"
#include "proxy/guarded_read.hpp"
#include "proxy/local_reply.hpp"
#include "proxy/over_budget_hold.hpp"
#include "proxy/tls_stream.hpp"
#include "proxy/write_reply.hpp"

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kReplyWriteTimeout = std::chrono::seconds(10);

}  // namespace

template <class ClientStream>
asio::awaitable<bool> serve_local_endpoint(Gateway& gateway, LocalEndpoint& endpoint,
                                           std::string path, ClientStream& client,
                                           beast::flat_buffer& buffer, RequestParser& parser,
                                           const config::Config& config, bool client_tls,
                                           AccessRecord& record) {
  const std::chrono::milliseconds body_timeout = config.server.body_timeout;
  record.route = std::string(endpoint.name());
  const unsigned version = parser.get().version();
  const bool expects_continue =
      beast::iequals(parser.get()[http::field::expect], "100-continue") && version >= 11;

  auto refuse = [&](LocalReply kind, std::string reason) -> asio::awaitable<bool> {
    record.reason = std::move(reason);
    gateway.metrics.increment("latchkey_requests_rejected_total",
                              "reason=\"" + record.reason + "\"");
    auto response = make_local_reply(kind, version, false, "latchkey");
    record.status = response.result_int();
    beast::get_lowest_layer(client).expires_after(kReplyWriteTimeout);
    co_await http::async_write(client, response, kTuple);
    co_return false;
  };

  // Refused before a byte of it is read when the length says it is too big.
  if (const auto length = parser.content_length();
      length && *length > endpoint.max_body_bytes()) {
    co_return co_await refuse(LocalReply::payload_too_large, "body_too_large");
  }

  // The head is complete and no body byte has been taken: the parser may change body type.
  http::request_parser<http::string_body> body_parser(std::move(parser));
  body_parser.body_limit(endpoint.max_body_bytes());
  if (!body_parser.is_done()) {
    if (expects_continue) {
      http::response<http::empty_body> go_on{http::status::continue_, 11};
      beast::get_lowest_layer(client).expires_after(body_timeout);
      auto [ec, n] = co_await http::async_write(client, go_on, kTuple);
      if (ec) co_return false;
    }
    beast::get_lowest_layer(client).expires_after(body_timeout);
    auto [ec, n] = co_await guarded_read(client, buffer, body_parser);
    if (ec == http::error::body_limit) {
      co_return co_await refuse(LocalReply::payload_too_large, "body_too_large");
    }
    if (ec == beast::error::timeout) {
      co_return co_await refuse(LocalReply::request_timeout, "body_timeout");
    }
    if (ec) {
      // A malformed chunked body gets its 400; a client gone or cut short, nothing.
      const ClientBodyFailure failure = client_body_failure(ec);
      if (failure.reply) co_return co_await refuse(*failure.reply, std::string(failure.reason));
      record.reason = std::string(failure.reason);
      co_return false;
    }
  }

  EndpointRequest request;
  request.message = body_parser.release();
  request.path = std::move(path);
  request.client_address = record.client;
  request.client_tls = client_tls;
  const bool keep_alive = request.message.keep_alive();
  const bool head_only = request.message.method() == http::verb::head;

  EndpointResult result;
  bool failed = false;
  try {
    result = co_await endpoint.handle(gateway, std::move(request));
  } catch (const std::exception& e) {
    // A bug or an unexpected store failure: log it, answer 503 and keep serving.
    gateway.log.event("error", "local_endpoint_failed",
                      {{"endpoint", std::string(endpoint.name())}, {"error", e.what()}});
    failed = true;
  }
  if (failed) co_return co_await refuse(LocalReply::unavailable, "endpoint_failed");
  record.user = std::move(result.user);
  record.reason = std::move(result.reason);
  if (!record.reason.empty()) {
    gateway.metrics.increment("latchkey_requests_rejected_total",
                              "reason=\"" + record.reason + "\"");
  }
  if (result.over_budget) {
    co_await hold_over_budget_reply(config.brute_force.over_budget_delay, *result.over_budget);
  }
  auto& response = result.response;
  response.version(version);
  if (response.find(http::field::server) == response.end()) response.set(http::field::server, "latchkey");
  response.keep_alive(keep_alive);
  response.prepare_payload();
  record.status = response.result_int();
  beast::get_lowest_layer(client).expires_after(kReplyWriteTimeout);
  const auto ec = co_await write_reply(client, response, head_only);
  co_return !ec && keep_alive;
}

template asio::awaitable<bool> serve_local_endpoint<beast::tcp_stream>(
    Gateway&, LocalEndpoint&, std::string, beast::tcp_stream&, beast::flat_buffer&,
    RequestParser&, const config::Config&, bool, AccessRecord&);
template asio::awaitable<bool> serve_local_endpoint<TlsStream>(
    Gateway&, LocalEndpoint&, std::string, TlsStream&,
    beast::flat_buffer&, RequestParser&, const config::Config&, bool, AccessRecord&);

}  // namespace latchkey::proxy

#include "proxy/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "proxy/access_log.hpp"
#include "proxy/authenticate_request.hpp"
#include "proxy/forward.hpp"
#include "proxy/local_reply.hpp"
#include "proxy/request_checks.hpp"
#include "proxy/route_path.hpp"
#include "proxy/serve_local_endpoint.hpp"

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kReplyWriteTimeout = std::chrono::seconds(10);

std::string_view credential_name(auth::CredentialType type) {
  return type == auth::CredentialType::app_password ? "app_password" : "account_password";
}

void count_request(Metrics& metrics, const AccessRecord& record) {
  const std::string route = record.route.empty() ? "none" : record.route;
  const std::string route_label = "route=\"" + route + "\"";
  metrics.increment("latchkey_requests_total",
                    route_label + ",status=\"" + std::to_string(record.status) + "\"");
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - record.started;
  metrics.observe("latchkey_request_duration_seconds", route_label, took.count());
}

struct HeadRead {
  boost::system::error_code error;
  std::string_view reason;  // why a head was refused, for the log and metrics
};

// Where the head in `bytes` ends (just past CRLF CRLF), or npos while incomplete.
std::size_t head_end(std::string_view bytes) {
  const auto end = bytes.find("\r\n\r\n");
  return end == std::string_view::npos ? end : end + 4;
}

// Waits for a whole request head, checks its raw bytes, then parses it. Unlike tcp_stream's
// own expiry, which closes the socket, the deadline only cancels the read, so that a partial
// head can still be answered with 408.
asio::awaitable<HeadRead> read_head_with_deadline(beast::tcp_stream& client,
                                                  beast::flat_buffer& buffer, RequestParser& parser,
                                                  std::chrono::milliseconds timeout,
                                                  std::size_t max_header_bytes) {
  struct Deadline {
    bool fired = false;
    bool done = false;
  };
  auto deadline = std::make_shared<Deadline>();
  asio::steady_timer timer(client.get_executor(), timeout);
  // Same strand as this coroutine: `done` is set before the handler could see a dead socket.
  timer.async_wait([deadline, &socket = client.socket()](boost::system::error_code ec) {
    if (ec || deadline->done) return;
    deadline->fired = true;
    socket.cancel(ec);
  });
  client.expires_never();
  auto finish = [&](HeadRead result) {
    deadline->done = true;
    timer.cancel();
    if (result.error == asio::error::operation_aborted && deadline->fired) {
      result.error = beast::error::timeout;
    }
    return result;
  };

  for (;;) {
    const auto data = buffer.data();
    const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    if (const auto end = head_end(bytes); end != std::string_view::npos) {
      // Beast 1.81 silently unfolds obs-fold (RFC 9112 §5.2); a proxy must refuse it, so the
      // raw bytes are checked before the parser sees them.
      const std::string_view head = bytes.substr(0, end - 2);
      if (head.find("\r\n ") != std::string_view::npos ||
          head.find("\r\n\t") != std::string_view::npos) {
        co_return finish({http::error::bad_field, "obs_fold"});
      }
      break;
    }
    if (buffer.size() >= max_header_bytes) {
      co_return finish({http::error::header_limit, "header_too_large"});
    }
    auto space = buffer.prepare(std::min<std::size_t>(max_header_bytes - buffer.size(), 8192));
    auto [ec, n] = co_await client.socket().async_read_some(space, kTuple);
    if (ec) co_return finish({ec, ""});
    buffer.commit(n);
  }
  auto [ec, n] = co_await http::async_read_header(client, buffer, parser, kTuple);
  co_return finish({ec, ec ? "bad_request_head" : ""});
}

// What happens to one request; returns whether the connection may carry another.
asio::awaitable<bool> handle_request(Gateway& gateway, const Routing& routing,
                                     beast::tcp_stream& client, beast::flat_buffer& buffer,
                                     RequestParser& parser, AccessRecord& record) {
  auto& request = parser.get();
  record.method = std::string(request.method_string());
  record.path = path_for_log(request.target());
  const unsigned version = request.version();
  // A body we are not going to read makes the connection unusable afterwards.
  const bool can_keep_alive = request.keep_alive() && parser.is_done();

  auto reply = [&](LocalReply kind, std::string_view realm, bool keep_alive,
                   std::optional<std::chrono::seconds> retry_after =
                       std::nullopt) -> asio::awaitable<bool> {
    auto response = make_local_reply(kind, version, keep_alive, realm, retry_after);
    record.status = response.result_int();
    client.expires_after(kReplyWriteTimeout);
    auto [ec, n] = co_await http::async_write(client, response, kTuple);
    co_return !ec && keep_alive;
  };

  if (auto problem = request_head_problem(request.base())) {
    record.reason = std::string(*problem);
    gateway.metrics.increment("latchkey_requests_rejected_total",
                              "reason=\"" + record.reason + "\"");
    co_return co_await reply(LocalReply::bad_request, "latchkey", false);
  }

  if (!gateway.local_endpoints.empty()) {
    std::string path = route_path(request.target());
    if (LocalEndpoint* endpoint = find_local_endpoint(gateway.local_endpoints, path)) {
      co_return co_await serve_local_endpoint(gateway, *endpoint, std::move(path), client, buffer,
                                              parser, routing.config->server.body_timeout,
                                              false, record);
    }
  }

  const config::Route* route = routing.router.match(request[http::field::host], request.target());
  if (route == nullptr) {
    record.reason = "no_route";
    co_return co_await reply(LocalReply::not_found, "latchkey", can_keep_alive);
  }
  record.route = route->name;

  std::optional<auth::Identity> identity;
  if (route->auth.required) {
    AuthOutcome outcome =
        co_await authenticate_request(gateway, *route, request.base(), record.client);
    if (outcome.refusal) {
      record.reason = outcome.reason;
      gateway.metrics.increment("latchkey_auth_denied_total", "reason=\"" + outcome.reason + "\"");
      if (!outcome.username.empty() && gateway.record_refusal) {
        gateway.record_refusal(RefusedLogin{outcome.username, record.client, outcome.reason});
      }
      co_return co_await reply(*outcome.refusal, route->auth.realm, can_keep_alive,
                               outcome.retry_after);
    }
    identity = std::move(outcome.identity);
    record.user = identity->username;
    record.credential = std::string(credential_name(identity->credential));
    record.app_password = identity->app_password_name;
    record.cached = outcome.cached;
    gateway.metrics.increment("latchkey_auth_allowed_total",
                              "credential=\"" + record.credential + "\",cached=\"" +
                                  (outcome.cached ? "true" : "false") + "\"");
    if (identity->app_password_id && gateway.record_use) {
      gateway.record_use(AppPasswordUse{*identity->app_password_id, record.client,
                                        std::string(request[http::field::user_agent])});
    }
  }

  ForwardContext context;
  context.client_address = record.client;
  context.client_tls = false;
  context.identity_header_names = &routing.identity_header_names;
  ForwardResult result = co_await forward_request(gateway, routing, *route,
                                                  identity ? &*identity : nullptr, client, buffer,
                                                  parser, context, record);
  co_return result.client_keep_alive;
}

}  // namespace

asio::awaitable<void> run_session(asio::ip::tcp::socket socket, Gateway& gateway,
                                  std::shared_ptr<const Routing> routing) {
  boost::system::error_code endpoint_error;
  const auto peer = socket.remote_endpoint(endpoint_error);
  const std::string client_address = endpoint_error ? "unknown" : peer.address().to_string();
  beast::tcp_stream client(std::move(socket));
  beast::flat_buffer buffer;
  const config::Server& limits = routing->config->server;
  bool first = true;

  for (;;) {
    RequestParser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(boost::none);  // bodies are streamed, never held
    const HeadRead head = co_await read_head_with_deadline(
        client, buffer, parser, first ? limits.header_timeout : limits.idle_timeout,
        limits.max_header_bytes);
    const boost::system::error_code ec = head.error;
    AccessRecord record;
    record.client = client_address;
    if (ec) {
      // Beast consumes nothing until the head is complete: buffered bytes mean a partial head.
      if (ec == beast::error::timeout && buffer.size() > 0) {
        // Slow or stalled head (slowloris): answer 408 and close.
        record.status = 408;
        record.reason = "header_timeout";
        auto response = make_local_reply(LocalReply::request_timeout, 11, false, "latchkey");
        client.expires_after(kReplyWriteTimeout);
        co_await http::async_write(client, response, kTuple);
        write_access_log(gateway.log, record);
        count_request(gateway.metrics, record);
      } else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                 ec != asio::error::connection_reset && ec != asio::error::eof &&
                 ec != asio::error::operation_aborted) {
        // The parser refused the head: framing, size or syntax.
        record.status = 400;
        record.reason = std::string(head.reason.empty() ? "bad_request_head" : head.reason);
        gateway.log.event("info", "request_head_rejected",
                          {{"client", client_address},
                           {"reason", record.reason},
                           {"error", ec.message()}});
        auto response = make_local_reply(LocalReply::bad_request, 11, false, "latchkey");
        client.expires_after(kReplyWriteTimeout);
        co_await http::async_write(client, response, kTuple);
        write_access_log(gateway.log, record);
        count_request(gateway.metrics, record);
        gateway.metrics.increment("latchkey_requests_rejected_total",
                                  "reason=\"" + record.reason + "\"");
      }
      break;
    }
    first = false;
    const bool keep_alive =
        co_await handle_request(gateway, *routing, client, buffer, parser, record);
    write_access_log(gateway.log, record);
    count_request(gateway.metrics, record);
    if (!keep_alive) break;
  }
  boost::system::error_code ignored;
  client.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  client.close();
}

}  // namespace latchkey::proxy

#include "proxy/forward.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "proxy/body_relay.hpp"
#include "proxy/client_body_failure.hpp"
#include "proxy/guarded_read.hpp"
#include "proxy/head_writer.hpp"
#include "proxy/limit_hits.hpp"
#include "proxy/local_reply.hpp"
#include "proxy/tls_stream.hpp"
#include "proxy/upstream_head.hpp"

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kRelayChunkBytes = 64 * 1024;          // bounds memory per transfer
constexpr std::size_t kMaxUpstreamHeaderBytes = 64 * 1024;   // generous: upstreams set cookies
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Beast adds a chunked body's trailer fields to the message's own fields. A head not yet
// written (an empty body: the last chunk arrives with the head) would carry them past every
// rewrite, so once the body is parsed the head is put back as it stood before it.
template <bool isRequest>
class TrailerGuard {
 public:
  template <class Body>
  explicit TrailerGuard(const http::message<isRequest, Body>& message) : head_(message.base()) {}
  template <class Body>
  void drop(http::message<isRequest, Body>& message) const {
    message.base() = head_;
  }

 private:
  http::header<isRequest> head_;
};

// Why an upstream exchange failed; decides 502 vs 504 and whether a retry is safe.
enum class UpstreamFailure { none, connect_refused, connect_timeout, tls_failed, write_failed,
                             response_timeout, bad_response, reset_before_response };

std::string_view failure_reason(UpstreamFailure f) {
  switch (f) {
    case UpstreamFailure::none: return "";
    case UpstreamFailure::connect_refused: return "upstream_connect_failed";
    case UpstreamFailure::connect_timeout: return "upstream_connect_timeout";
    case UpstreamFailure::tls_failed: return "upstream_tls_failed";
    case UpstreamFailure::write_failed: return "upstream_write_failed";
    case UpstreamFailure::response_timeout: return "upstream_response_timeout";
    case UpstreamFailure::bad_response: return "bad_upstream_response";
    case UpstreamFailure::reset_before_response: return "upstream_closed";
  }
  return "upstream_error";
}

bool is_timeout(const boost::system::error_code& ec) { return ec == beast::error::timeout; }

// A handshake, certificate or TLS alert problem (an untrusted or misnamed certificate, a
// client certificate the upstream refused); a TLS stream cut without close_notify is not one.
bool is_tls_failure(const boost::system::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() ||
         (ec.category() == asio::ssl::error::get_stream_category() &&
          ec != asio::ssl::error::stream_truncated);
}

// Which failure a connection that could not be set up is.
UpstreamFailure connect_failure(const boost::system::error_code& ec) {
  if (is_timeout(ec)) return UpstreamFailure::connect_timeout;
  if (is_tls_failure(ec)) return UpstreamFailure::tls_failed;
  return UpstreamFailure::connect_refused;
}

template <class ClientStream>
asio::awaitable<void> send_local(ClientStream& client, LocalReply kind, unsigned version,
                                 bool keep_alive, AccessRecord& record) {
  auto reply = make_local_reply(kind, version, keep_alive, "latchkey");
  record.status = reply.result_int();
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(10));
  co_await http::async_write(client, reply, kTuple);
}

}  // namespace

template <class ClientStream>
asio::awaitable<ForwardResult> forward_request(Gateway& gateway, const Routing& routing,
                                               const config::Route& route,
                                               const auth::Identity* identity,
                                               ClientStream& client,
                                               beast::flat_buffer& client_buffer,
                                               RequestParser& parser,
                                               const ForwardContext& context,
                                               AccessRecord& record) {
  const config::Server& limits = routing.config->server;
  auto& request = parser.get();
  const unsigned client_version = request.version();
  const bool client_wants_keep_alive = request.keep_alive();
  const bool is_head = request.method() == http::verb::head;
  const bool request_has_body = !parser.is_done();
  const bool expects_continue =
      beast::iequals(request[http::field::expect], "100-continue") && client_version >= 11;

  rewrite_upstream_request(request.base(), route, identity, context);
  // An upstream that trusts the signed assertion must never see the request without it.
  if (route.assertion && identity != nullptr && route.auth.required &&
      request.find(route.assertion->header) == request.end()) {
    record.reason = "assertion_signing_failed";
    gateway.log.event("error", "assertion_signing_failed", {{"route", route.name}});
    gateway.metrics.increment("latchkey_upstream_errors_total",
                              "route=\"" + route.name + "\",reason=\"" + record.reason + "\"");
    co_await send_local(client, LocalReply::bad_gateway, client_version, false, record);
    co_return ForwardResult{false};
  }

  auto executor = client.get_executor();
  boost::system::error_code connect_error;
  std::string tls_detail;
  const auto tls = routing.upstream_tls.for_route(route);
  auto upstream = co_await gateway.upstreams.acquire(route.upstream, tls, executor, connect_error,
                                                     tls_detail);
  auto fail = [&](UpstreamFailure failure,
                  boost::system::error_code cause = {}) -> asio::awaitable<ForwardResult> {
    record.reason = std::string(failure_reason(failure));
    if (failure == UpstreamFailure::tls_failed) {
      // Why matters to the operator (unknown CA, wrong name, refused client certificate).
      boost::json::object fields{{"route", route.name}, {"error", cause.message()}};
      if (!tls_detail.empty()) fields["certificate"] = tls_detail;
      gateway.log.event("warning", "upstream_tls_failed", std::move(fields));
    }
    gateway.metrics.increment("latchkey_upstream_errors_total",
                              "route=\"" + route.name + "\",reason=\"" + record.reason + "\"");
    const bool timeout = failure == UpstreamFailure::connect_timeout ||
                         failure == UpstreamFailure::response_timeout;
    // The client may still be sending a body we will not read: close after answering.
    co_await send_local(client, timeout ? LocalReply::gateway_timeout : LocalReply::bad_gateway,
                        client_version, false, record);
    co_return ForwardResult{false};
  };
  if (!upstream) co_return co_await fail(connect_failure(connect_error), connect_error);

  // RFC 9110 §10.1.1: the client waits for this before sending the body; it is sent only now,
  // after authentication, so a refused upload never streams.
  if (expects_continue && request_has_body) {
    http::response<http::empty_body> go_on{http::status::continue_, 11};
    beast::get_lowest_layer(client).expires_after(limits.body_timeout);
    auto [ec, n] = co_await http::async_write(client, go_on, kTuple);
    if (ec) co_return ForwardResult{false};
  }

  // The parser path's relay buffer, made only when a body goes that way (never zeroed).
  std::unique_ptr<char[]> chunk;
  auto chunk_data = [&chunk] {
    if (!chunk) chunk.reset(new char[kRelayChunkBytes]);
    return chunk.get();
  };
  // A Content-Length body needs no parsing: after the head it is relayed as bytes, exactly
  // that many (proxy/body_relay.hpp). A chunked one goes through the parser, piece by piece.
  const std::optional<std::uint64_t> request_length =
      request_has_body && !request.chunked() ? std::optional(parser.content_length().value_or(0))
                                             : std::nullopt;
  if (request_has_body && !request_length) client_buffer.reserve(kRelayChunkBytes);

  // Request: head and body, client -> upstream.
  std::string head_bytes;  // the head being sent (proxy/head_writer.hpp)
  auto upstream_write_failed = [&](boost::system::error_code ec) {
    if (is_tls_failure(ec)) return fail(UpstreamFailure::tls_failed, ec);
    return fail(is_timeout(ec) ? UpstreamFailure::response_timeout : UpstreamFailure::write_failed);
  };
  auto client_body_failed = [&](boost::system::error_code ec) -> asio::awaitable<ForwardResult> {
    const ClientBodyFailure failure = client_body_failure(ec);
    record.reason = std::string(failure.reason);
    if (!failure.limit.empty()) {
      count_limit_hit(gateway.metrics, failure.limit);
    } else {  // a malformed or abandoned body: no limit names it
      gateway.metrics.increment("latchkey_requests_rejected_total",
                                "reason=\"" + record.reason + "\"");
    }
    if (failure.reply) {
      co_await send_local(client, *failure.reply, client_version, false, record);
    } else {
      record.status = failure.status;
    }
    co_return ForwardResult{false};  // the upstream connection is dropped mid-request
  };
  if (!request_has_body) {
    write_head(request.base(), head_bytes);
    for (;;) {
      upstream->stream.expires_after(limits.body_timeout);
      auto [ec, n] = co_await asio::async_write(upstream->stream, asio::buffer(head_bytes), kTuple);
      if (!ec) break;
      if (!upstream->reused) co_return co_await upstream_write_failed(ec);
      // A pooled connection closed by the upstream as we reused it: retry once, fresh.
      boost::system::error_code retry_error;
      auto fresh = co_await gateway.upstreams.connect(route.upstream, tls, executor, retry_error,
                                                      tls_detail);
      upstream.reset();
      if (fresh) upstream.emplace(std::move(*fresh));
      if (!upstream) co_return co_await fail(connect_failure(retry_error), retry_error);
    }
  } else if (request_length) {
    // The head goes out with the body bytes already read along with it; the Content-Length
    // was checked against max_body_bytes before forwarding (proxy/body_limit.hpp).
    const auto buffered = client_buffer.data();
    const std::size_t first =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffered.size(), *request_length));
    write_head(request.base(), head_bytes);
    const std::array<asio::const_buffer, 2> pieces{asio::buffer(head_bytes),
                                                   asio::buffer(buffered.data(), first)};
    upstream->stream.expires_after(limits.body_timeout);
    auto [ec, n] = co_await asio::async_write(upstream->stream, pieces, kTuple);
    if (ec) co_return co_await upstream_write_failed(ec);
    client_buffer.consume(first);
    record.bytes_in += first;
    const RelayOutcome relayed = co_await relay_exact(client, upstream->stream,
                                                      *request_length - first, limits.body_timeout);
    record.bytes_in += relayed.bytes_read;
    if (relayed.error && relayed.sink_failed) co_return co_await upstream_write_failed(relayed.error);
    if (relayed.error) co_return co_await client_body_failed(relayed.error);
  } else {
    // A chunked body goes through the parser and the serializer, piece by piece.
    http::request_serializer<http::buffer_body> request_writer{request};
    const TrailerGuard trailers(request);
    for (;;) {
      if (!parser.is_done()) {
        request.body().data = chunk_data();
        request.body().size = kRelayChunkBytes;
        beast::get_lowest_layer(client).expires_after(limits.body_timeout);
        auto [ec, n] = co_await guarded_read_some(client, client_buffer, parser);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) co_return co_await client_body_failed(ec);
        if (parser.is_done()) trailers.drop(request);
        request.body().size = kRelayChunkBytes - request.body().size;
        // An empty piece must not reach a chunked serializer: it would end the body early.
        request.body().data = request.body().size > 0 ? chunk.get() : nullptr;
        request.body().more = !parser.is_done();
        record.bytes_in += request.body().size;
      } else {
        request.body().data = nullptr;
        request.body().size = 0;
        request.body().more = false;
      }
      upstream->stream.expires_after(limits.body_timeout);
      auto [ec, n] = co_await http::async_write(upstream->stream, request_writer, kTuple);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return co_await upstream_write_failed(ec);
      if (request_writer.is_done()) break;
    }
  }

  // Response head, upstream -> latchkey. 1xx interim answers are consumed here.
  // Bounded: Beast keeps an unfinished chunk line or trailer section whole, and an upstream
  // sending one without end would otherwise grow it until memory runs out.
  beast::flat_buffer upstream_buffer(kMaxUpstreamHeaderBytes + kRelayChunkBytes);
  std::optional<ResponseParser> response_parser;
  for (;;) {
    response_parser.emplace();
    response_parser->header_limit(kMaxUpstreamHeaderBytes);
    response_parser->body_limit(boost::none);
    if (is_head) response_parser->skip(true);
    upstream->stream.expires_after(route.upstream.response_timeout);
    const UpstreamHead head = co_await read_upstream_head(upstream->stream, upstream_buffer,
                                                          *response_parser, kMaxUpstreamHeaderBytes);
    const boost::system::error_code ec = head.error;
    if (!head.problem.empty()) {
      gateway.log.event("warning", "bad_upstream_response",
                        {{"route", route.name}, {"problem", head.problem}});
      co_return co_await fail(UpstreamFailure::bad_response);
    }
    if (ec) {
      if (is_timeout(ec)) co_return co_await fail(UpstreamFailure::response_timeout);
      if (is_tls_failure(ec)) co_return co_await fail(UpstreamFailure::tls_failed, ec);
      if (ec == http::error::end_of_stream || ec == asio::error::connection_reset) {
        co_return co_await fail(UpstreamFailure::reset_before_response);
      }
      co_return co_await fail(UpstreamFailure::bad_response);
    }
    const unsigned status = response_parser->get().result_int();
    if (status >= 100 && status < 200) {
      if (status == 101) co_return co_await fail(UpstreamFailure::bad_response);  // no upgrades
      continue;
    }
    break;
  }

  auto& response = response_parser->get();
  const unsigned status = response.result_int();
  // The parser's view, from the upstream's Connection field (RFC 9112 §9.6) before the rewrite
  // drops it, and false for a body that only the close can end.
  const bool upstream_keep_alive = response_parser->keep_alive();
  rewrite_client_response(response.base());
  bool keep_alive = client_wants_keep_alive &&
                    (!context.keep_alive_allowed || context.keep_alive_allowed());
  const bool has_body = !is_head && status != 204 && status != 304;
  if (has_body && !response.has_content_length() && !response.chunked()) {
    // Close-delimited upstream body: re-frame as chunked for HTTP/1.1 clients; HTTP/1.0 clients
    // learn the end from the close.
    if (client_version >= 11) {
      response.chunked(true);
    } else {
      keep_alive = false;
    }
  }
  if (client_version < 11 && response.chunked()) {
    response.chunked(false);
    keep_alive = false;
  }
  response.version(client_version);
  response.keep_alive(keep_alive);
  record.status = status;

  // A Content-Length body is relayed as bytes, exactly that many (proxy/body_relay.hpp);
  // chunked and close-delimited ones go through the parser and the serializer.
  const std::optional<std::uint64_t> response_length =
      has_body && response_parser->content_length() && !response_parser->is_done()
          ? std::optional(*response_parser->content_length())
          : std::nullopt;
  if (!has_body || (!response_length && response_parser->is_done())) {
    // No body, or an empty one. HEAD, 204 and 304 carry none even when their framing headers
    // describe one (RFC 9110 §9.3.2, §15.3.5, §15.4.5): a stray last-chunk would
    // desynchronise the client connection.
    write_head(response.base(), head_bytes);
    beast::get_lowest_layer(client).expires_after(limits.body_timeout);
    auto [ec, n] = co_await asio::async_write(client, asio::buffer(head_bytes), kTuple);
    if (ec) {
      record.reason = "client_gone";
      co_return ForwardResult{false};
    }
  } else if (response_length) {
    if (upstream_buffer.size() == 0) {
      // The head goes out with the first body bytes: a stall before them is still a 504.
      upstream->stream.expires_after(limits.body_timeout);
      auto [ec, n] = co_await upstream->stream.async_read_some(
          upstream_buffer.prepare(static_cast<std::size_t>(
              std::min<std::uint64_t>(*response_length, kRelayChunkBytes))),
          kTuple);
      if (ec) {
        gateway.log.event("warning", "bad_upstream_response",
                          {{"route", route.name}, {"problem", ec.message()}});
        co_return co_await fail(is_timeout(ec) ? UpstreamFailure::response_timeout
                                               : UpstreamFailure::bad_response);
      }
      upstream_buffer.commit(n);
    }
    // Bytes past the Content-Length stay in the buffer: the connection is then not reused.
    const auto buffered = upstream_buffer.data();
    const std::size_t first =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffered.size(), *response_length));
    write_head(response.base(), head_bytes);
    const std::array<asio::const_buffer, 2> pieces{asio::buffer(head_bytes),
                                                   asio::buffer(buffered.data(), first)};
    beast::get_lowest_layer(client).expires_after(limits.body_timeout);
    auto [ec, n] = co_await asio::async_write(client, pieces, kTuple);
    if (ec) {
      record.reason = "client_gone";
      co_return ForwardResult{false};
    }
    upstream_buffer.consume(first);
    record.bytes_out += first;
    const RelayOutcome relayed = co_await relay_exact(upstream->stream, client,
                                                      *response_length - first, limits.body_timeout);
    record.bytes_out += relayed.bytes_read;
    if (relayed.error) {
      // Head already sent: the connection is cut so the client sees a truncated body.
      record.reason = relayed.sink_failed ? "client_gone" : "upstream_body_aborted";
      co_return ForwardResult{false};
    }
  } else {
    // Chunked or close-delimited: through the parser and the serializer, piece by piece.
    // Beast reads at most the buffer's spare capacity: without room, a large body crawls
    // through in tiny reads.
    upstream_buffer.reserve(kRelayChunkBytes);
    http::response_serializer<http::buffer_body> response_writer{response};
    const TrailerGuard trailers(response);
    bool head_sent = false;
    for (;;) {
      if (!response_parser->is_done()) {
        response.body().data = chunk_data();
        response.body().size = kRelayChunkBytes;
        upstream->stream.expires_after(limits.body_timeout);
        auto [ec, n] =
            co_await guarded_read_some(upstream->stream, upstream_buffer, *response_parser);
        if (ec == http::error::need_buffer) ec = {};
        if (ec == http::error::end_of_stream && response_parser->is_done()) ec = {};
        if (response_parser->is_done()) trailers.drop(response);
        if (ec && !head_sent) {
          // The head goes out with the first body piece: a first chunk that does not parse is
          // still answered 502, a stall before it 504.
          gateway.log.event("warning", "bad_upstream_response",
                            {{"route", route.name}, {"problem", ec.message()}});
          co_return co_await fail(is_timeout(ec) ? UpstreamFailure::response_timeout
                                                 : UpstreamFailure::bad_response);
        }
        if (ec) {
          // Head already sent: all that is left is to cut the connection so the client sees
          // a truncated body rather than a silently short one.
          record.reason = "upstream_body_aborted";
          co_return ForwardResult{false};
        }
        response.body().size = kRelayChunkBytes - response.body().size;
        response.body().data = response.body().size > 0 ? chunk.get() : nullptr;
        response.body().more = !response_parser->is_done();
      } else {
        response.body().data = nullptr;
        response.body().size = 0;
        response.body().more = false;
      }
      record.bytes_out += response.body().size;
      beast::get_lowest_layer(client).expires_after(limits.body_timeout);
      auto [ec, n] = co_await http::async_write(client, response_writer, kTuple);
      head_sent = true;
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        record.reason = "client_gone";
        co_return ForwardResult{false};
      }
      if (response_writer.is_done()) break;
    }
  }

  // An idle keep-alive connection should not keep the upload-sized buffer.
  if (request_has_body && !request_length && client_buffer.size() == 0) {
    client_buffer.shrink_to_fit();
  }
  const bool body_complete = response_length.has_value() || response_parser->is_done();
  if (upstream_keep_alive && body_complete && upstream_buffer.size() == 0) {
    gateway.upstreams.release(route.upstream, std::move(upstream->stream));
  }
  co_return ForwardResult{keep_alive};
}

template asio::awaitable<ForwardResult> forward_request<beast::tcp_stream>(
    Gateway&, const Routing&, const config::Route&, const auth::Identity*, beast::tcp_stream&,
    beast::flat_buffer&, RequestParser&, const ForwardContext&, AccessRecord&);
template asio::awaitable<ForwardResult> forward_request<TlsStream>(
    Gateway&, const Routing&, const config::Route&, const auth::Identity*, TlsStream&,
    beast::flat_buffer&, RequestParser&, const ForwardContext&, AccessRecord&);

}  // namespace latchkey::proxy

#include "proxy/session.hpp"

#include <array>
#include <functional>
#include <optional>
#include <type_traits>

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
#include "proxy/body_limit.hpp"
#include "proxy/buffered_head.hpp"
#include "proxy/connection_hooks.hpp"
#include "proxy/forward.hpp"
#include "proxy/idle_wait.hpp"
#include "proxy/limit_hits.hpp"
#include "proxy/live_routing.hpp"
#include "proxy/local_reply.hpp"
#include "proxy/raw_head.hpp"
#include "proxy/request_checks.hpp"
#include "proxy/tls_session.hpp"
#include "proxy/route_path.hpp"
#include "proxy/over_budget_hold.hpp"
#include "proxy/serve_local_endpoint.hpp"
#include "proxy/write_reply.hpp"
#include "proxy/tls_stream.hpp"

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kReplyWriteTimeout = std::chrono::seconds(10);
// Room beyond the head for relaying body pieces; it also bounds chunk lines and trailers,
// which Beast's parser would otherwise buffer without end.
constexpr std::size_t kClientBufferSlack = 128 * 1024;
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;
// How long a kept connection waits for its next request with its read buffer before it gives
// the buffer back: long enough for a busy client's next request, short next to idle_timeout.
constexpr auto kIdleBufferRelease = std::chrono::milliseconds(50);

void count_request(Metrics& metrics, const AccessRecord& record) {
  thread_local std::string labels;  // reused: no allocation per request
  labels.assign("route=\"").append(record.route.empty() ? "none" : record.route).append("\"");
  const std::size_t route_label = labels.size();
  labels.append(",status=\"").append(std::to_string(record.status)).append("\"");
  metrics.increment("latchkey_requests_total", labels);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - record.started;
  const std::string_view route_only = std::string_view(labels).substr(0, route_label);
  metrics.observe("latchkey_request_duration_seconds", route_only, took.count());
}

void count_auth_allowed(Metrics& metrics, std::string_view credential, bool cached) {
  thread_local std::string labels;  // reused: no allocation per request
  labels.assign("credential=\"").append(credential).append("\",cached=\"");
  labels.append(cached ? "true" : "false").append("\"");
  metrics.increment("latchkey_auth_allowed_total", labels);
}

struct HeadRead {
  boost::system::error_code error;
  std::string_view reason;  // why a head was refused, for the log and metrics
};

// The deadline of one head read: cancels the read when it rings (the read then ends with
// operation_aborted and `fired` says why). Set for an idle wait, it may ring before the head's
// own due time, once the head has begun: it then waits on to that time. So the clock that
// starts with a kept connection's first byte costs no second timer setting per request.
struct HeadDeadline {
  struct State {
    bool fired = false;
    bool done = false;  // the read is over: the socket may serve the next step, or be gone
    std::optional<std::chrono::steady_clock::time_point> due;  // the head's, once begun
  };
  std::shared_ptr<State> state;
  asio::steady_timer* timer;
  asio::ip::tcp::socket* socket;

  void operator()(boost::system::error_code ec) const {
    // Same loop as the read: `done` is set before the handler could see a dead socket.
    if (ec || state->done) return;
    if (state->due && std::chrono::steady_clock::now() < *state->due) {
      timer->expires_at(*state->due);
      timer->async_wait(*this);
      return;
    }
    state->fired = true;
    socket->cancel(ec);
  }
};

// Waits for a whole request head, checks its raw bytes, then parses it. Unlike tcp_stream's
// own expiry, which closes the socket, the deadline only cancels the read, so that a partial
// head can still be answered with 408. The whole head has `header_timeout`; on a kept
// connection (`idle_timeout` set) the clock starts with its first byte, and until then the
// wait may last `idle_timeout`, so a slow head there is cut as soon as on a new connection.
template <class Stream>
asio::awaitable<HeadRead> read_head_with_deadline(Stream& client,
                                                  beast::flat_buffer& buffer, RequestParser& parser,
                                                  std::chrono::milliseconds header_timeout,
                                                  std::optional<std::chrono::milliseconds> idle_timeout,
                                                  std::size_t max_header_bytes,
                                                  std::size_t max_header_count) {
  auto deadline = std::make_shared<HeadDeadline::State>();
  asio::steady_timer timer(client.get_executor());
  const HeadDeadline ring{deadline, &timer, &beast::get_lowest_layer(client).socket()};
  bool idle = idle_timeout && buffer.size() == 0;
  timer.expires_after(idle ? *idle_timeout : header_timeout);
  timer.async_wait(ring);
  beast::get_lowest_layer(client).expires_never();
  auto finish = [&](HeadRead result) {
    deadline->done = true;
    timer.cancel();
    if (result.error == asio::error::operation_aborted && deadline->fired) {
      result.error = beast::error::timeout;
    }
    return result;
  };

  for (;;) {
    buffer.consume(leading_empty_lines(
        {static_cast<const char*>(buffer.data().data()), buffer.data().size()}));
    const auto data = buffer.data();
    // Obs-fold, bare CR/LF and NUL are refused on the raw bytes (proxy/raw_head.hpp).
    const RawHeadScan scan = scan_raw_head({static_cast<const char*>(data.data()), data.size()});
    if (scan.problem) co_return finish({http::error::bad_field, *scan.problem});
    if (scan.end != std::string_view::npos) break;
    // A buffer made before a reload raised max_header_bytes is full first: a zero-length
    // read would complete at once, again and again, and pin the thread.
    if (buffer.size() >= max_header_bytes || buffer.size() >= buffer.max_size()) {
      co_return finish({http::error::header_limit, "header_too_large"});
    }
    // The deadline rang as the last read completed anyway: no read goes on without one.
    if (deadline->fired) co_return finish({asio::error::operation_aborted, ""});
    auto space = buffer.prepare(std::min<std::size_t>(
        {max_header_bytes - buffer.size(), buffer.max_size() - buffer.size(), 8192}));
    auto [ec, n] = co_await client.async_read_some(space, kTuple);
    if (ec) co_return finish({ec, ""});
    buffer.commit(n);
    if (idle && n > 0) {
      idle = false;
      // The head's clock starts now, also when the idle wait rang just as its bytes came.
      deadline->fired = false;
      deadline->due = std::chrono::steady_clock::now() + header_timeout;
      // Only a header_timeout shorter than the idle wait (or a wait already over) needs the
      // timer set again now.
      if (*deadline->due < timer.expiry() || timer.expiry() <= std::chrono::steady_clock::now()) {
        timer.expires_at(*deadline->due);  // an earlier wait's handler sees operation_aborted
        timer.async_wait(ring);
      }
    }
  }
  const boost::system::error_code ec = parse_buffered_head(parser, buffer);
  if (!ec && static_cast<std::size_t>(std::distance(parser.get().begin(), parser.get().end())) >
                 max_header_count) {
    co_return finish({http::error::header_limit, "too_many_headers"});
  }
  co_return finish({ec, ec ? "bad_request_head" : ""});
}

// What happens to one request; returns whether the connection may carry another.
template <class Stream>
asio::awaitable<bool> handle_request(Gateway& gateway, const Routing& routing, Stream& client,
                                     bool client_tls, beast::flat_buffer& buffer,
                                     RequestParser& parser, AccessRecord& record,
                                     const std::function<bool()>& keep_alive_allowed) {
  auto& request = parser.get();
  record.method = std::string(request.method_string().substr(0, kMaxLoggedMethodBytes));
  record.path = path_for_log(request.target());
  const unsigned version = request.version();
  // A body we are not going to read makes the connection unusable afterwards.
  const bool can_keep_alive = request.keep_alive() && parser.is_done();
  const bool head_only = request.method() == http::verb::head;

  auto reply = [&](LocalReply kind, std::string_view realm, bool keep_alive,
                   std::optional<std::chrono::seconds> retry_after = std::nullopt,
                   const std::vector<std::string>& challenges = {}) -> asio::awaitable<bool> {
    keep_alive = keep_alive && keep_alive_allowed();
    auto response = make_local_reply(kind, version, keep_alive, realm, retry_after);
    if (!challenges.empty()) {
      // One field per scheme (RFC 9110 §11.6.1), replacing the reply's Basic-only one.
      response.erase(http::field::www_authenticate);
      for (const std::string& c : challenges) response.insert(http::field::www_authenticate, c);
    }
    record.status = response.result_int();
    beast::get_lowest_layer(client).expires_after(kReplyWriteTimeout);
    const auto ec = co_await write_reply(client, response, head_only);
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
    if (LocalEndpoint* endpoint =
            find_local_endpoint(gateway.local_endpoints, request[http::field::host], path)) {
      // The endpoint answers as the request asks; a connection at its limit or draining says close.
      if (!keep_alive_allowed()) request.keep_alive(false);
      co_return co_await serve_local_endpoint(gateway, *endpoint, std::move(path), client, buffer,
                                              parser, *routing.config, client_tls, record);
    }
  }

  const config::Route* route = routing.router.match(request[http::field::host], request.target());
  if (route == nullptr) {
    record.reason = "no_route";
    gateway.metrics.increment("latchkey_requests_rejected_total", "reason=\"no_route\"");
    co_return co_await reply(LocalReply::not_found, "latchkey", can_keep_alive);
  }
  record.route = route->name;
  if (const auto refusal = apply_body_limit(*route, parser)) {
    record.reason = std::string(*refusal);
    count_limit_hit(gateway.metrics, "max_body_bytes");
    co_return co_await reply(LocalReply::payload_too_large, "latchkey", false);
  }

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
      if (outcome.over_budget) {
        co_await hold_over_budget_reply(routing.config->brute_force.over_budget_delay,
                                        outcome.retry_after);
      }
      co_return co_await reply(*outcome.refusal, route->auth.realm, can_keep_alive,
                               outcome.retry_after, outcome.challenges);
    }
    identity = std::move(outcome.identity);
    record.user = identity->username;
    record.credential = std::string(auth::to_string(identity->credential));
    record.app_password = identity->app_password_name;
    record.token = identity->token_name;
    record.cached = outcome.cached;
    count_auth_allowed(gateway.metrics, record.credential, outcome.cached);
    if (identity->app_password_id && gateway.record_use) {
      gateway.record_use(AppPasswordUse{*identity->app_password_id, record.client,
                                        std::string(request[http::field::user_agent])});
    }
    if (identity->token_id && gateway.record_token_use) {
      gateway.record_token_use(TokenUse{*identity->token_id, record.client});
    }
  }

  ForwardContext context;
  context.client_address = record.client;
  context.client_tls = client_tls;  // drives X-Forwarded-Proto
  context.identity_header_names = &routing.identity_header_names;
  context.keep_alive_allowed = keep_alive_allowed;
  context.assertions = &routing.assertions;
  ForwardResult result = co_await forward_request(gateway, routing, *route,
                                                  identity ? &*identity : nullptr, client, buffer,
                                                  parser, context, record);
  co_return result.client_keep_alive;
}

// Closes after the last response. When we chose to close while the client may still be
// sending, input is read and dropped for a moment first: closing with unread input sends a
// reset, which can destroy the response before the client reads it (RFC 9112 §9.6).
asio::awaitable<void> close_client(beast::tcp_stream& client, bool linger) {
  boost::system::error_code ignored;
  client.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  if (linger) {
    beast::get_lowest_layer(client).expires_after(kLingerTimeout);
    std::array<char, 16 * 1024> discard;
    for (std::size_t dropped = 0; dropped < kLingerMaxBytes;) {
      auto [ec, n] = co_await client.async_read_some(asio::buffer(discard), kTuple);
      if (ec) break;
      dropped += n;
    }
  }
  client.close();
}


// What one turn of the keep-alive loop came to.
enum class Turn {
  next,          // answered; the connection may carry another request
  went_idle,     // no byte within the first wait: wait for one without the read buffer
  close,         // the client went away or idled out: nothing more to say
  close_linger,  // we answered and chose to close: unread input may still arrive
};

// What lives as long as the connection, in serve_connection's frame.
template <class Stream>
struct Connection {
  Stream& client;
  bool client_tls;
  const std::string& client_address;
  Gateway& gateway;
  std::shared_ptr<const Routing>& routing;
  beast::flat_buffer& buffer;
  ConnectionHooks& hooks;
  std::size_t requests = 0;
};

// One request: its head (waiting `idle_wait` at most for its first byte on a kept connection),
// then its answer. The parser, the access record and the replies live in this frame, which
// exists only while a request is read or served: an idle connection keeps none of them.
template <class Stream>
asio::awaitable<Turn> serve_one(Connection<Stream>& c, const config::Server& limits, bool first,
                                std::optional<std::chrono::milliseconds> idle_wait,
                                bool may_go_idle) {
  Gateway& gateway = c.gateway;
  RequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(boost::none);  // bodies are streamed, never held
  c.hooks.waiting_for_head = true;
  const HeadRead head =
      co_await read_head_with_deadline(c.client, c.buffer, parser, limits.header_timeout,
                                       idle_wait, limits.max_header_bytes, limits.max_header_count);
  c.hooks.waiting_for_head = false;
  const boost::system::error_code ec = head.error;
  if (may_go_idle && ec == beast::error::timeout && c.buffer.size() == 0) co_return Turn::went_idle;
  // The request runs on the routing current now, which a reload during the wait may change.
  if (gateway.live_routing != nullptr) c.routing = gateway.live_routing->current();
  AccessRecord record;
  record.client = c.client_address;
  if (ec) {
    // Beast consumes nothing until the head is complete: buffered bytes mean a partial head.
    if (ec == beast::error::timeout && c.buffer.size() > 0) {
      // Slow or stalled head (slowloris): answer 408 and close.
      record.status = 408;
      record.reason = "header_timeout";
      count_limit_hit(gateway.metrics, "header_timeout");
      auto response = make_local_reply(LocalReply::request_timeout, 11, false, "latchkey");
      beast::get_lowest_layer(c.client).expires_after(kReplyWriteTimeout);
      co_await http::async_write(c.client, response, kTuple);
      write_access_log(gateway.log, record);
      count_request(gateway.metrics, record);
      co_return Turn::close_linger;
    }
    if (ec == beast::error::timeout) {
      // Nothing sent: a keep-alive connection idle too long, or one that never spoke.
      const std::string_view limit = first ? "header_timeout" : "idle_timeout";
      count_limit_hit(gateway.metrics, limit);
      gateway.log.event("info", "connection_closed",
                        {{"client", c.client_address}, {"reason", limit}});
      co_return Turn::close;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::ssl::error::stream_truncated) {
      co_return Turn::close;
    }
    // The parser refused the head: framing, size or syntax.
    const bool too_large = ec == http::error::header_limit;
    record.status = too_large ? 431 : 400;
    record.reason = std::string(head.reason.empty() ? "bad_request_head" : head.reason);
    if (too_large) {
      count_limit_hit(gateway.metrics, record.reason == "too_many_headers" ? "max_header_count"
                                                                           : "max_header_bytes");
    }
    gateway.log.event("info", "request_head_rejected",
                      {{"client", c.client_address},
                       {"reason", record.reason},
                       {"error", ec.message()}});
    auto response = make_local_reply(
        too_large ? LocalReply::header_too_large : LocalReply::bad_request, 11, false, "latchkey");
    beast::get_lowest_layer(c.client).expires_after(kReplyWriteTimeout);
    co_await http::async_write(c.client, response, kTuple);
    write_access_log(gateway.log, record);
    count_request(gateway.metrics, record);
    gateway.metrics.increment("latchkey_requests_rejected_total",
                              "reason=\"" + record.reason + "\"");
    co_return Turn::close_linger;
  }
  ++c.requests;
  const bool last = c.requests >= c.routing->config->server.max_requests_per_connection;
  const std::function<bool()> keep_alive_allowed = [&hooks = c.hooks, last] {
    return !last && !hooks.draining();
  };
  const bool keep_alive = co_await handle_request(gateway, *c.routing, c.client, c.client_tls,
                                                  c.buffer, parser, record, keep_alive_allowed);
  write_access_log(gateway.log, record);
  count_request(gateway.metrics, record);
  // Handlers that do not ask keep_alive_allowed (local endpoints) still stop here. A drain
  // that began after the answer promised keep-alive is the next head's to decide: requests
  // already sent behind this one are answered (serve_connection).
  if (keep_alive && !last) co_return Turn::next;
  if (last && record.reason.empty()) {
    count_limit_hit(gateway.metrics, "max_requests_per_connection");
    gateway.log.event("info", "connection_closed",
                      {{"client", c.client_address},
                       {"reason", "max_requests_per_connection"},
                       {"requests", c.requests}});
  }
  co_return Turn::close_linger;
}

// The keep-alive loop over one client connection, plain or TLS. Returns whether input may
// still arrive after our last answer (see close_client). Its frame is what an idle kept
// connection costs, so per-request state lives in serve_one's.
template <class Stream>
asio::awaitable<bool> serve_connection(Stream& client, bool client_tls,
                                       const std::string& client_address, Gateway& gateway,
                                       std::shared_ptr<const Routing> routing) {
  beast::flat_buffer buffer(routing->config->server.max_header_bytes + kClientBufferSlack);
  ConnectionHooks hooks(
      gateway, client.get_executor(),
      [&client] {
        boost::system::error_code ignored;
        beast::get_lowest_layer(client).socket().cancel(ignored);
      },
      buffer);
  Connection<Stream> connection{client, client_tls, client_address, gateway, routing, buffer, hooks};
  bool first = true;
  Turn turn = Turn::close;

  for (;;) {
    // The wait for a head uses the limits current when it starts (SIGHUP may replace them).
    const auto waiting =
        gateway.live_routing != nullptr ? gateway.live_routing->current() : routing;
    const config::Server& limits = waiting->config->server;
    if (!first && hooks.draining()) {
      // Asked only while draining: FIONREAD is a system call. Records already taken off the
      // socket wait inside the TLS layer, where FIONREAD cannot see them.
      boost::system::error_code ignored;
      bool input_waiting = beast::get_lowest_layer(client).socket().available(ignored) > 0;
      if constexpr (std::is_same_v<Stream, TlsStream>) input_waiting |= !client.drained();
      if (!hooks.may_wait_for_next_request(input_waiting)) {
        // Draining, and no request has begun; our last answer may have said keep-alive.
        turn = Turn::close_linger;
        break;
      }
    }
    // A kept connection still idle after kIdleBufferRelease gives its read buffer (and a TLS
    // one its record buffers) back and waits without them (proxy/idle_wait.hpp); a busy one
    // never pays that wait's syscall. Its head then has header_timeout from the first byte.
    const bool kept = !first;
    const auto first_wait =
        kept ? std::min(limits.idle_timeout, kIdleBufferRelease) : limits.idle_timeout;
    const bool may_go_idle = kept && first_wait < limits.idle_timeout;
    turn = co_await serve_one(connection, limits, first,
                              first ? std::nullopt : std::optional(first_wait), may_go_idle);
    if (turn == Turn::went_idle) {
      // Part of a TLS record already in: the head has begun, so no idle wait.
      bool wait = true;
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        wait = client.drained() && client.release_buffers();
      }
      if (wait) {
        auto& socket = beast::get_lowest_layer(client).socket();
        IdleDeadline deadline(socket, limits.idle_timeout - first_wait);
        buffer.shrink_to_fit();  // after the deadline's allocations, which must not split it
        hooks.waiting_for_head = true;
        auto [wait_error] = co_await async_wait_readable(socket);
        hooks.waiting_for_head = false;
        if (const auto ec = deadline.finish(wait_error)) {
          if (ec == beast::error::timeout) {
            count_limit_hit(gateway.metrics, "idle_timeout");
            gateway.log.event("info", "connection_closed",
                              {{"client", client_address}, {"reason", "idle_timeout"}});
          }
          turn = Turn::close;
          break;
        }
      }
      turn = co_await serve_one(connection, limits, false, std::nullopt, false);
    }
    if (turn != Turn::next) break;
    first = false;
  }
  hooks.stop();
  co_return turn == Turn::close_linger;
}

std::string peer_address(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  return ec ? "unknown" : peer.address().to_string();
}

}  // namespace

asio::awaitable<void> run_session(asio::ip::tcp::socket socket, Gateway& gateway,
                                  std::shared_ptr<const Routing> routing) {
  const std::string client_address = peer_address(socket);
  beast::tcp_stream client(std::move(socket));
  const bool linger =
      co_await serve_connection(client, false, client_address, gateway, std::move(routing));
  co_await close_client(client, linger);
}

asio::awaitable<void> run_tls_session(asio::ip::tcp::socket socket,
                                      std::shared_ptr<TlsContext> tls, Gateway& gateway,
                                      std::shared_ptr<const Routing> routing) {
  const std::string client_address = peer_address(socket);
  TlsStream client(beast::tcp_stream(std::move(socket)), *tls);
  const auto handshake_timeout = routing->config->server.header_timeout;
  if (co_await tls_handshake(client, handshake_timeout, client_address, gateway)) {
    co_await serve_connection(client, true, client_address, gateway, std::move(routing));
    // close_notify both ways stands in for the plain linger: the client reads our last answer
    // before the connection goes.
    co_await tls_shutdown(client);
  }
  beast::get_lowest_layer(client).close();
}

}  // namespace latchkey::proxy

#include "proxy/server.hpp"

#include <pthread.h>

#include <system_error>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/array.hpp>

#include "config/reload_plan.hpp"
#include "proxy/limit_hits.hpp"
#include "proxy/memory_reclaimer.hpp"
#include "proxy/jwks.hpp"
#include "proxy/session.hpp"

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Refused connections are counted one by one but logged at most this often: a flood must
// not turn into a log flood.
constexpr long long kRefusalLogIntervalMs = 1000;
// How soon an idle IO thread gives back what a burst of connections left it holding.
constexpr auto kThreadMemoryReleaseInterval = std::chrono::seconds(2);

long long steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

tcp::endpoint to_endpoint(const config::Endpoint& endpoint) {
  return {asio::ip::make_address(endpoint.host), endpoint.port};
}

tcp::acceptor bind_acceptor(asio::io_context& io, const config::Endpoint& address) {
  const tcp::endpoint endpoint = to_endpoint(address);
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::system_error(ec, "cannot listen on " + address.host + ":" +
                                    std::to_string(address.port));
  }
  return acceptor;
}

asio::awaitable<void> release_memory_periodically(asio::io_context& loop) {
  asio::steady_timer timer(loop);
  for (;;) {
    timer.expires_after(kThreadMemoryReleaseInterval);
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec) co_return;
    release_thread_memory();
  }
}

}  // namespace

int io_thread_count(const config::Server& server) {
  if (server.threads > 0) return server.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Server::Server(Gateway& gateway, std::shared_ptr<const Routing> routing)
    : gateway_(gateway),
      live_routing_(std::move(routing)),
      tls_(live_routing_.current()->config->listen) {
  gateway_.live_routing = &live_routing_;
  gateway_.connections = &connections_;
  const auto config = live_routing_.current()->config;
  const int threads = io_thread_count(config->server);
  for (int i = 0; i < threads; ++i) loops_.push_back(std::make_unique<asio::io_context>(1));
  for (const auto& listener : config->listen) {
    listeners_.push_back(bind_acceptor(main_loop(), listener.address));
  }
  if (config->admin) {
    admin_.push_back(bind_acceptor(main_loop(), config->admin->address));
  }
  // Scraped only through the admin listener, which this server owns: never after it is gone.
  gateway_.metrics.add_collector([this] {
    return "# TYPE latchkey_open_connections gauge\nlatchkey_open_connections " +
           std::to_string(connections_.open()) + "\n";
  });
}

asio::io_context& Server::next_loop() {
  asio::io_context& loop = *loops_[next_loop_];
  next_loop_ = (next_loop_ + 1) % loops_.size();
  return loop;
}

void Server::stop_loops() {
  for (auto& loop : loops_) loop->stop();
}

// Over server.max_connections a connection is closed at once, before anything is read:
// answering 503 would mean reading its head first (closing with unread input resets the
// connection and destroys the answer), spending a timer, a buffer and parsing on exactly the
// load the limit is there to shed. A client or load balancer sees a refused connection and
// can try another replica.
void Server::count_refused_connection(std::size_t limit) {
  count_limit_hit(gateway_.metrics, "max_connections");
  const long long now = steady_ms();
  long long last = last_refusal_log_ms_.load();
  if (now - last >= kRefusalLogIntervalMs &&
      last_refusal_log_ms_.compare_exchange_strong(last, now)) {
    gateway_.log.event("warning", "connection_refused",
                       {{"reason", "max_connections"},
                        {"max_connections", limit},
                        {"open", connections_.open()}});
  }
}

asio::awaitable<void> Server::accept_loop(tcp::acceptor& acceptor, std::size_t listener) {
  for (;;) {
    // The connection lives on one loop, which one thread runs: no strand is needed.
    auto [ec, socket] = co_await acceptor.async_accept(next_loop(), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      gateway_.log.event("warning", "accept_failed", {{"error", ec.message()}});
      // Out of descriptors and the like: back off briefly instead of spinning.
      asio::steady_timer pause(main_loop(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    auto routing = live_routing_.current();
    const std::size_t limit = routing->config->server.max_connections;
    if (!connections_.try_admit(limit)) {
      socket.close(ec);
      count_refused_connection(limit);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    // The TLS context current now: a reload later changes new connections only.
    auto tls = tls_.current(listener);
    auto session = tls ? run_tls_session(std::move(socket), std::move(tls), gateway_,
                                         std::move(routing))
                       : run_session(std::move(socket), gateway_, std::move(routing));
    asio::co_spawn(executor, std::move(session),
                   [this](std::exception_ptr error) {
                     if (error) {
                       try {
                         std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                         gateway_.log.event("error", "session_failed", {{"error", e.what()}});
                       }
                     }
                     connections_.leave();
                   });
  }
}

asio::awaitable<void> Server::admin_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(main_loop(), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of descriptors, a pending scrape fails at once, again and again: back off as the
      // proxy listener does, or this spins on the main loop, which also serves clients.
      asio::steady_timer pause(main_loop(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, admin_session(std::move(socket)), asio::detached);
  }
}

// Without a host of its own the page shares each upstream's origin: a script injected into
// any upstream page could then call its API as the signed-in user.
void Server::warn_shared_origin_page() {
  const config::SelfService& page = live_routing_.current()->config->self_service;
  if (!page.enabled || page.host) return;
  gateway_.log.event("warning", "self_service_shares_upstream_origin",
                     {{"path_prefix", page.path_prefix},
                      {"detail",
                       "self_service.host is not set: the page is served on every host, in "
                       "the same origin as the upstreams; give it a host of its own"}});
}

// /healthz: the process serves. /readyz: it can check new credentials. /metrics: Prometheus
// text. /.well-known/jwks.json: keys that verify identity assertions. One request per connection.
asio::awaitable<void> Server::admin_session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer(16 * 1024);  // bounds a request's trailers too, which Beast does not
  http::request<http::empty_body> request;
  stream.expires_after(std::chrono::seconds(5));
  auto [ec, n] = co_await http::async_read(stream, buffer, request, kTuple);
  if (ec) co_return;
  http::response<http::string_body> response{http::status::ok, request.version()};
  response.set(http::field::server, "latchkey");
  const std::string_view target = request.target();
  if (target == "/healthz") {
    response.set(http::field::content_type, "text/plain");
    response.body() = "ok\n";
  } else if (target == "/readyz") {
    // Ready means new credentials can be checked: the database answers, and revocations
    // reach this process (else cached entries live only cache.ttl_unsynced).
    const bool database_ok = gateway_.database_ready && gateway_.database_ready();
    const bool listener_ok =
        gateway_.change_listener_connected && gateway_.change_listener_connected();
    response.set(http::field::content_type, "text/plain");
    response.body() = std::string("database: ") + (database_ok ? "ok" : "unavailable") +
                      "\nchange_listener: " + (listener_ok ? "connected" : "disconnected") +
                      "\n";
    if (!database_ok || !listener_ok) response.result(http::status::service_unavailable);
  } else if (target == "/.well-known/jwks.json") {
    response.set(http::field::content_type, "application/jwk-set+json");
    response.body() = render_jwks(live_routing_.current()->assertions);
  } else if (target == "/metrics") {
    response.set(http::field::content_type, "text/plain; version=0.0.4");
    response.body() = gateway_.metrics.render_prometheus();
  } else {
    response.result(http::status::not_found);
    response.body() = "not found\n";
  }
  response.keep_alive(false);
  response.prepare_payload();
  co_await http::async_write(stream, response, kTuple);
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

void Server::reload() {
  std::lock_guard lock(reload_mutex_);
  const auto running = live_routing_.current();
  const std::string& path = running->config->source;
  try {
    config::ReloadPlan plan = config::plan_reload(*running->config, config::load_config(path));
    auto next = std::make_shared<const Routing>(
        std::make_shared<const config::Config>(std::move(plan.effective)));
    const std::size_t routes = next->config->routes.size();
    live_routing_.replace(std::move(next));
    if (!plan.needs_restart.empty()) {
      boost::json::array keys;
      for (const auto& key : plan.needs_restart) keys.emplace_back(key);
      gateway_.log.event("warning", "config_reload_needs_restart",
                         {{"config", path}, {"keys", std::move(keys)}});
    }
    gateway_.log.event("info", "config_reloaded", {{"config", path}, {"routes", routes}});
    gateway_.metrics.increment("latchkey_config_reloads_total", "result=\"ok\"");
  } catch (const config::ConfigError& e) {
    boost::json::array problems;
    for (const auto& problem : e.problems()) problems.emplace_back(problem);
    gateway_.log.event("error", "config_reload_failed",
                       {{"config", path}, {"problems", std::move(problems)}});
    gateway_.metrics.increment("latchkey_config_reloads_total", "result=\"failed\"");
  } catch (const std::exception& e) {
    // Building the snapshot (signing keys) failed: the old one keeps serving.
    gateway_.log.event("error", "config_reload_failed",
                       {{"config", path}, {"problems", boost::json::array{e.what()}}});
    gateway_.metrics.increment("latchkey_config_reloads_total", "result=\"failed\"");
  }
  // Certificates are re-read on every SIGHUP, also when the new file was refused: renewing a
  // certificate must not depend on an unrelated edit being right.
  reload_tls(live_routing_.current()->config->listen);
}

void Server::watch_reload_signal(asio::signal_set& signals) {
  signals.async_wait([this, &signals](const boost::system::error_code& ec, int) {
    if (ec) return;
    gateway_.log.event("info", "reload_requested", {{"signal", "SIGHUP"}});
    // Reading files is disk work: off the IO threads.
    gateway_.verify_pool.post([this] { reload(); });
    watch_reload_signal(signals);
  });
}

void Server::begin_drain(int signal) {
  const auto drain = live_routing_.current()->config->server.drain_timeout;
  gateway_.log.event("info", "shutdown",
                     {{"signal", signal},
                      {"open_connections", connections_.open()},
                      {"drain_timeout_ms", drain.count()}});
  for (auto& acceptor : listeners_) acceptor.close();
  for (auto& acceptor : admin_) acceptor.close();
  drain_timer_ = std::make_unique<asio::steady_timer>(main_loop(), drain);
  drain_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    gateway_.log.event("warning", "drain_deadline_passed",
                       {{"open_connections", connections_.open()}});
    stop_loops();
  });
  // Idle keep-alive connections close now; busy ones after their response (Connection: close).
  connections_.drain([this] {
    asio::post(main_loop(), [this] {
      gateway_.log.event("info", "drained");
      stop_loops();
    });
  });
}

void Server::run() {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    asio::co_spawn(main_loop(), accept_loop(listeners_[i], i), asio::detached);
  }
  for (auto& acceptor : admin_) {
    asio::co_spawn(main_loop(), admin_loop(acceptor), asio::detached);
  }
  asio::signal_set stop_signals(main_loop(), SIGINT, SIGTERM);
  stop_signals.async_wait([this, &stop_signals](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    begin_drain(signal);
    // A second signal means "now": an operator should not have to wait out drain_timeout.
    stop_signals.async_wait([this](const boost::system::error_code& again, int second) {
      if (again) return;
      gateway_.log.event("warning", "shutdown_forced",
                         {{"signal", second}, {"open_connections", connections_.open()}});
      stop_loops();
    });
  });
  asio::signal_set reload_signals(main_loop(), SIGHUP);
  watch_reload_signal(reload_signals);

  const config::Config& config = *live_routing_.current()->config;
  const std::size_t threads = loops_.size();
  for (const auto& listener : config.listen) {
    gateway_.log.event("info", "listening",
                       {{"address", listener.address.host},
                        {"port", listener.address.port},
                        {"tls", listener.tls.has_value()},
                        {"io_threads", threads}});
  }
  warn_unverified_upstreams();
  warn_shared_origin_page();
  std::vector<std::thread> workers;
  for (auto& loop : loops_) {
    workers.emplace_back([this, &loop = *loop] {
      // Named so that operators (and the tests) can count them: server.threads holds.
      pthread_setname_np(pthread_self(), "latchkey-io");
      // Other loops may have nothing to do yet; each runs until stop_loops().
      auto work = asio::make_work_guard(loop);
      if (kThreadsKeepFreePages) {
        asio::co_spawn(loop, release_memory_periodically(loop), asio::detached);
      }
      // A handler that throws (a bug) loses its connection, never the process; run() may be
      // called again after an exception escaped it.
      for (;;) {
        try {
          loop.run();
          break;
        } catch (const std::exception& e) {
          gateway_.log.event("error", "io_handler_failed", {{"error", e.what()}});
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  reload_signals.cancel();
  stop_signals.cancel();
}

}  // namespace latchkey::proxy

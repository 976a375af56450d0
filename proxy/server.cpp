#include "proxy/server.hpp"

#include <system_error>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "proxy/jwks.hpp"
#include "proxy/session.hpp"

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

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

}  // namespace

Server::Server(Gateway& gateway, std::shared_ptr<const Routing> routing)
    : gateway_(gateway), routing_(std::move(routing)), tls_(routing_->config->listen) {
  for (const auto& listener : routing_->config->listen) {
    listeners_.push_back(bind_acceptor(io_, listener.address));
  }
  if (routing_->config->admin) {
    admin_.push_back(bind_acceptor(io_, routing_->config->admin->address));
  }
}

asio::awaitable<void> Server::accept_loop(tcp::acceptor& acceptor, std::size_t listener) {
  for (;;) {
    // Each connection gets its own strand: its handlers never run concurrently.
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io_), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      gateway_.log.event("warning", "accept_failed", {{"error", ec.message()}});
      // Out of descriptors and the like: back off briefly instead of spinning.
      asio::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    ++active_sessions_;
    auto executor = socket.get_executor();
    // The context current now: a reload later changes new connections only.
    auto tls = tls_.current(listener);
    auto session = tls ? run_tls_session(std::move(socket), std::move(tls), gateway_, routing_)
                       : run_session(std::move(socket), gateway_, routing_);
    asio::co_spawn(executor, std::move(session), [this](std::exception_ptr error) {
      --active_sessions_;
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          gateway_.log.event("error", "session_failed", {{"error", e.what()}});
        }
      }
    });
  }
}

asio::awaitable<void> Server::admin_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io_), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, admin_session(std::move(socket)), asio::detached);
  }
}

// /healthz: the process serves. /readyz: it can check new credentials. /metrics: Prometheus
// text. /.well-known/jwks.json: keys that verify identity assertions. One request per connection.
asio::awaitable<void> Server::admin_session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
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
    response.body() = render_jwks(routing_->assertions);
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

void Server::run(std::chrono::milliseconds drain) {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    asio::co_spawn(io_, accept_loop(listeners_[i], i), asio::detached);
  }
  for (auto& acceptor : admin_) {
    asio::co_spawn(io_, admin_loop(acceptor), asio::detached);
  }
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  asio::signal_set tls_reload_signals(io_, SIGHUP);
  watch_tls_reload(tls_reload_signals);
  asio::steady_timer drain_timer(io_);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    gateway_.log.event("info", "shutdown", {{"signal", signal}});
    for (auto& acceptor : listeners_) acceptor.close();
    for (auto& acceptor : admin_) acceptor.close();
    // Idle keep-alive connections and stuck requests end when the deadline passes.
    drain_timer.expires_after(drain);
    drain_timer.async_wait([this](const boost::system::error_code&) { io_.stop(); });
    auto poll = std::make_shared<asio::steady_timer>(io_);
    auto check = std::make_shared<std::function<void()>>();
    *check = [this, poll, check] {
      if (active_sessions_.load() == 0) {
        io_.stop();
        return;
      }
      poll->expires_after(std::chrono::milliseconds(50));
      poll->async_wait([check](const boost::system::error_code& e) {
        if (!e) (*check)();
      });
    };
    (*check)();
  });

  const config::Config& config = *routing_->config;
  for (const auto& listener : config.listen) {
    gateway_.log.event("info", "listening",
                       {{"address", listener.address.host},
                        {"port", listener.address.port},
                        {"tls", listener.tls.has_value()}});
  }
  warn_unverified_upstreams();
  int threads = config.server.threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& worker : workers) worker.join();
}

}  // namespace latchkey::proxy

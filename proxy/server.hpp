// `latchkey serve`: the IO threads, the listeners, the admin endpoint and the signals.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>
#include <vector>

#include "proxy/gateway.hpp"
#include "proxy/tls_context.hpp"

namespace latchkey::proxy {

class Server {
 public:
  // Binds every listener (throws std::system_error naming the address when one cannot be bound).
  Server(Gateway& gateway, std::shared_ptr<const Routing> routing);

  // Runs until SIGINT/SIGTERM; then stops accepting, lets requests in flight finish for up to
  // `drain`, and returns.
  void run(std::chrono::milliseconds drain = std::chrono::seconds(10));

  // Re-reads every TLS listener's certificate and key. New connections take the new ones;
  // open connections keep theirs. When a file fails, every listener keeps its old context and
  // the error is logged. Reads files: call it off the IO threads.
  void reload_tls();
  // The same with the listeners of a reloaded config (same count and order).
  void reload_tls(const std::vector<config::Listener>& listeners);

 private:
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                           std::size_t listener);
  // server_tls.cpp: SIGHUP runs reload_tls() on a worker thread.
  void watch_tls_reload(boost::asio::signal_set& signals);
  void warn_unverified_upstreams();
  void report_tls_reload(const std::vector<std::string>& problems);
  boost::asio::awaitable<void> admin_loop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> admin_session(boost::asio::ip::tcp::socket socket);

  Gateway& gateway_;
  std::shared_ptr<const Routing> routing_;
  boost::asio::io_context io_;
  std::vector<boost::asio::ip::tcp::acceptor> listeners_;
  ServerTlsContexts tls_;  // indexed like listeners_
  std::vector<boost::asio::ip::tcp::acceptor> admin_;
  std::atomic<int> active_sessions_{0};
};

}  // namespace latchkey::proxy

// `latchkey serve`: the IO threads, the listeners, the admin endpoint and the signals.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "proxy/connection_tracker.hpp"
#include "proxy/gateway.hpp"
#include "proxy/live_routing.hpp"
#include "proxy/tls_context.hpp"

namespace latchkey::proxy {

// The IO threads `server.threads` asks for (0: one per core).
int io_thread_count(const config::Server& server);

class Server {
 public:
  // Binds every listener (throws std::system_error naming the address when one cannot be bound).
  Server(Gateway& gateway, std::shared_ptr<const Routing> routing);

  // Runs until SIGINT/SIGTERM; then stops accepting, closes idle keep-alive connections,
  // lets requests in flight finish for up to server.drain_timeout, and returns.
  // SIGHUP calls reload().
  void run();

  // Reads the config file again and, when it is valid, serves new requests with its routes
  // and limits; settings that need a restart are logged and keep their running values. An
  // invalid file is logged and changes nothing. Blocking (disk): never on an IO thread.
  // This is the one place every reloadable part is refreshed (TLS certificates belong here).
  void reload();

  // server_tls.cpp: re-reads every TLS listener's certificate and key (those of `listeners`,
  // a reloaded config's, when given). New connections take the new ones; open connections
  // keep theirs. When a file fails, every listener keeps its old context and the error is
  // logged. Reads files: never on an IO thread.
  void reload_tls();
  void reload_tls(const std::vector<config::Listener>& listeners);

 private:
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                           std::size_t listener);
  void warn_unverified_upstreams();
  void warn_shared_origin_page();
  void report_tls_reload(const std::vector<std::string>& problems);
  boost::asio::awaitable<void> admin_loop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> admin_session(boost::asio::ip::tcp::socket socket);
  void count_refused_connection(std::size_t limit);
  void begin_drain(int signal);
  void watch_reload_signal(boost::asio::signal_set& signals);

  Gateway& gateway_;
  // Declared before loops_: sessions destroyed with their loop still unregister from these.
  LiveRouting live_routing_;
  ConnectionTracker connections_;
  std::mutex reload_mutex_;
  std::atomic<long long> last_refusal_log_ms_{0};
  // One event loop per IO thread, run by that thread alone: a connection lives on one loop,
  // so its handlers need no strand and pooled upstream sockets never change loops (as in
  // nginx's workers). loops_[0] also runs the listeners, the admin endpoint and the signals.
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::size_t next_loop_ = 0;  // round robin; only the accept loops, all on loops_[0], use it
  boost::asio::io_context& main_loop() { return *loops_.front(); }
  boost::asio::io_context& next_loop();
  void stop_loops();
  std::vector<boost::asio::ip::tcp::acceptor> listeners_;
  ServerTlsContexts tls_;  // indexed like listeners_
  std::vector<boost::asio::ip::tcp::acceptor> admin_;
  std::unique_ptr<boost::asio::steady_timer> drain_timer_;
};

}  // namespace latchkey::proxy

// `latchkey serve`: the IO threads, the listeners, the admin endpoint and the signals.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "proxy/gateway.hpp"

namespace latchkey::proxy {

class Server {
 public:
  // Binds every listener (throws std::system_error naming the address when one cannot be bound).
  Server(Gateway& gateway, std::shared_ptr<const Routing> routing);

  // Runs until SIGINT/SIGTERM; then stops accepting, lets requests in flight finish for up to
  // `drain`, and returns.
  void run(std::chrono::milliseconds drain = std::chrono::seconds(10));

 private:
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> admin_loop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> admin_session(boost::asio::ip::tcp::socket socket);

  Gateway& gateway_;
  std::shared_ptr<const Routing> routing_;
  boost::asio::io_context io_;
  std::vector<boost::asio::ip::tcp::acceptor> listeners_;
  std::vector<boost::asio::ip::tcp::acceptor> admin_;
  std::atomic<int> active_sessions_{0};
};

}  // namespace latchkey::proxy

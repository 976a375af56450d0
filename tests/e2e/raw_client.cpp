#include "tests/e2e/raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace latchkey::test {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string RawResponse::header(const std::string& name) const {
  const std::string wanted = "\r\n" + lower(name) + ":";
  const std::string lowered = lower(head);
  const auto at = lowered.find(wanted);
  if (at == std::string::npos) return "";
  auto start = at + wanted.size();
  const auto end = head.find("\r\n", start);
  while (start < end && head[start] == ' ') ++start;
  return head.substr(start, end - start);
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

void RawConnection::half_close() {
  ::shutdown(fd_, SHUT_WR);
}

bool RawConnection::receive_some(std::chrono::steady_clock::time_point deadline) {
  if (ended_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[16384];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  pending_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<RawResponse> RawConnection::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!receive_some(deadline)) return std::nullopt;
  }
  RawResponse response;
  response.head = pending_.substr(0, end + 4);
  pending_.erase(0, end + 4);
  if (response.head.rfind("HTTP/1.", 0) == 0 && response.head.size() > 12) {
    response.status = std::stoi(response.head.substr(9, 3));
  }
  const std::string length = response.header("Content-Length");
  const std::size_t wanted = length.empty() ? 0 : std::stoul(length);
  while (pending_.size() < wanted && receive_some(deadline)) {
  }
  const std::size_t taken = std::min(wanted, pending_.size());
  response.body = pending_.substr(0, taken);
  pending_.erase(0, taken);
  response.complete = taken == wanted;
  return response;
}

std::string RawConnection::read_until_closed(std::chrono::milliseconds timeout, bool& closed) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (receive_some(deadline)) {
  }
  closed = ended_;
  std::string all;
  all.swap(pending_);
  return all;
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
  bool closed = false;
  read_until_closed(timeout, closed);
  return closed;
}

RawExchange raw_exchange_at(int port, const std::string& bytes, std::chrono::milliseconds timeout,
                            bool half_close) {
  const auto started = std::chrono::steady_clock::now();
  RawConnection connection(port);
  connection.send(bytes);
  if (half_close) connection.half_close();
  RawExchange exchange;
  exchange.answer = connection.read_until_closed(timeout, exchange.closed);
  exchange.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return exchange;
}

}  // namespace latchkey::test

#include "proxy/body_relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace latchkey::proxy {
namespace asio = boost::asio;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Kernel memory per transfer; bigger pipes mean fewer system calls per MiB.
constexpr int kPipeBytes = 256 * 1024;
// What is handed to asio when the sink is full (see wait_writable).
constexpr std::size_t kWakeBytes = 4096;

class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return;
    read_ = fds[0];
    write_ = fds[1];
    const int size = ::fcntl(write_, F_SETPIPE_SZ, kPipeBytes);  // best effort
    capacity_ = size > 0 ? static_cast<std::size_t>(size) : 64 * 1024;
  }
  ~Pipe() {
    if (read_ >= 0) ::close(read_);
    if (write_ >= 0) ::close(write_);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return read_ >= 0; }
  int read_end() const { return read_; }
  int write_end() const { return write_; }
  std::size_t capacity() const { return capacity_; }

 private:
  int read_ = -1;
  int write_ = -1;
  std::size_t capacity_ = 0;
};

boost::system::error_code last_error() {
  return {errno, boost::system::system_category()};
}

bool would_block() {
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

}  // namespace

asio::awaitable<std::optional<RelayOutcome>> splice_exact(asio::ip::tcp::socket& source,
                                                          asio::ip::tcp::socket& sink,
                                                          std::uint64_t length,
                                                          ProgressWatchdog& watchdog) {
  Pipe pipe;
  if (!pipe.ok()) co_return std::nullopt;
  RelayOutcome outcome;
  std::size_t in_pipe = 0;
  auto failed = [&](boost::system::error_code ec, bool sink_side) {
    if (ec == asio::error::operation_aborted && watchdog.fired()) ec = boost::beast::error::timeout;
    outcome.error = ec;
    outcome.sink_failed = sink_side;
    return std::optional<RelayOutcome>(outcome);
  };
  boost::system::error_code ignored;
  source.non_blocking(true, ignored);  // splice must return EAGAIN, never block the thread
  sink.non_blocking(true, ignored);
  const int in = source.native_handle();
  const int out = sink.native_handle();
  while (outcome.bytes_read < length || in_pipe > 0) {
    bool moved = false;
    if (outcome.bytes_read < length) {
      // Never asks for more than the body still owed: bytes past it stay in the socket.
      const auto want = static_cast<std::size_t>(
          std::min<std::uint64_t>(length - outcome.bytes_read, pipe.capacity()));
      const ssize_t n =
          ::splice(in, nullptr, pipe.write_end(), nullptr, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        outcome.bytes_read += static_cast<std::size_t>(n);
        in_pipe += static_cast<std::size_t>(n);
        moved = true;
      } else if (n == 0) {
        co_return failed(asio::error::eof, false);
      } else if (!would_block()) {
        co_return failed(last_error(), false);
      }
    }
    if (in_pipe > 0) {
      const ssize_t n = ::splice(pipe.read_end(), nullptr, out, nullptr, in_pipe,
                                 SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        in_pipe -= static_cast<std::size_t>(n);
        moved = true;
      } else if (n < 0 && !would_block()) {
        co_return failed(last_error(), true);
      }
    }
    if (moved) {
      watchdog.progress();
      continue;
    }
    if (in_pipe == 0) {
      // The pipe is empty, so the source has nothing yet. A peek is a speculative asio read:
      // unlike async_wait, it cannot miss readiness that another IO thread saw first.
      char byte;
      auto [ec, n] = co_await source.async_receive(asio::buffer(&byte, 1),
                                                   asio::socket_base::message_peek, kTuple);
      if (ec) co_return failed(ec, false);
    } else {
      // The sink is full: a few bytes go through asio's own write, which waits for room
      // without the race of async_wait, and the pipe resumes after it.
      std::array<char, kWakeBytes> piece;
      const ssize_t taken = ::read(pipe.read_end(), piece.data(), std::min(in_pipe, piece.size()));
      if (taken <= 0) co_return failed(last_error(), true);
      in_pipe -= static_cast<std::size_t>(taken);
      auto [ec, n] = co_await asio::async_write(
          sink, asio::buffer(piece.data(), static_cast<std::size_t>(taken)), kTuple);
      if (ec) co_return failed(ec, true);
      watchdog.progress();
    }
  }
  co_return outcome;
}

}  // namespace latchkey::proxy

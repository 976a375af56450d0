// A client over raw bytes for end-to-end tests: sends exactly what a test says (malformed
// requests included) and reports what came back and how the connection ended.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace latchkey::test {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and fields, up to and including CRLF CRLF
  std::string body;
  bool complete = false;  // the whole body as its Content-Length announced
  std::string header(const std::string& name) const;  // first value, case-insensitive
};

class RawConnection {
 public:
  explicit RawConnection(int port);  // connects to 127.0.0.1:port, throws when it cannot
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(const std::string& bytes);  // false when the peer reset or closed
  void half_close();                    // no more bytes from us (shutdown SHUT_WR)
  // One response (Content-Length or no body); nullopt when the connection ended or `timeout`
  // passed before its head arrived; `complete` false when it ended inside the body.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout);
  // Everything until the peer closes; `closed` says whether it did within `timeout`.
  std::string read_until_closed(std::chrono::milliseconds timeout, bool& closed);
  // Whether the peer closes (EOF or reset) within `timeout`, reading and dropping any bytes.
  bool closed_within(std::chrono::milliseconds timeout);
  // Bytes received but not consumed by read_response.
  const std::string& pending() const { return pending_; }

 private:
  // Appends what arrives within `timeout` to pending_; false on EOF, reset or timeout.
  bool receive_some(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;
  bool ended_ = false;
};

struct RawExchange {
  std::string answer;   // every byte received
  bool closed = false;  // the proxy closed the connection within the timeout
  std::chrono::milliseconds elapsed{0};
};

// Sends `bytes`, half-closes, and reads until the proxy closes (or `timeout`).
RawExchange raw_exchange_at(int port, const std::string& bytes,
                            std::chrono::milliseconds timeout = std::chrono::seconds(5),
                            bool half_close = true);

}  // namespace latchkey::test

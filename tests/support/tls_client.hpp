// A small blocking TLS client for tests that need more than curl shows: which certificate a
// handshake presented, the ALPN result, old protocol versions, and one connection kept open
// across several requests. Every read and write is bounded by a socket timeout.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace latchkey::test {

struct TlsClientOptions {
  std::string ca_file;      // trust anchors; empty: no verification
  std::string alpn;         // comma-separated protocols to offer ("h2,http/1.1"); empty: none
  bool only_tls11 = false;  // offer TLS 1.1 and nothing newer (at OpenSSL security level 0)
  std::string server_name = "localhost";  // SNI and the name checked in the certificate
};

struct TlsReply {
  int status = 0;
  std::string headers;
  std::string body;
};

class TlsClient {
 public:
  // Connects to 127.0.0.1:port and completes the handshake; throws std::runtime_error with
  // OpenSSL's reason when it fails.
  TlsClient(int port, const TlsClientOptions& options);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  std::string peer_serial() const;  // decimal serial of the server's certificate
  std::string alpn() const;         // selected protocol, "" when none
  std::string version() const;      // "TLSv1.3", ...

  // One keep-alive GET on this connection; the body is read by its Content-Length.
  TlsReply get(const std::string& path);
  // The parts of get(), for pipelining: any bytes in one TLS write, then one reply.
  void send(const std::string& bytes);
  // Each piece in a TLS record of its own, all records in one TCP segment.
  void send_records(const std::vector<std::string>& pieces);
  TlsReply read_reply();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace latchkey::test

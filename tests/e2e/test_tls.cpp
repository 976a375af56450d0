// TLS end to end: the real latchkey binary with a TLS listener next to a plain one, real HTTPS
// upstreams (Python's ssl module), curl and an OpenSSL client; certificates made at test time.
#define BOOST_TEST_DYN_LINK
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "tests/e2e/raw_client.hpp"
#include "tests/e2e/tls_deployment.hpp"
#include "tests/support/tls_client.hpp"

namespace latchkey::test {

namespace {

RunOptions stdin_of(std::string text) {
  RunOptions options;
  options.stdin_text = std::move(text);
  return options;
}

std::string header_of(const boost::json::value& record, const std::string& name) {
  std::string value;
  for (const auto& pair : record.at("headers").as_array()) {
    if (pair.as_array()[0].as_string() == name) value = pair.as_array()[1].as_string().c_str();
  }
  return value;
}

// Resident memory of a process, from /proc.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TlsClientOptions trusting_test_ca() {
  TlsClientOptions options;
  options.ca_file = tls_deployment().ca_file();
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(the_tls_listener_serves_https_and_tells_the_upstream) {
  auto& d = tls_deployment();
  const auto result = d.curl_tls("/verified/hello");
  BOOST_TEST_REQUIRE(result.status == 200, result.error);
  const auto records = d.upstream_records("trusted");
  BOOST_TEST_REQUIRE(!records.empty());
  BOOST_TEST(records.back().at("path").as_string() == "/verified/hello");
  BOOST_TEST(header_of(records.back(), "X-Forwarded-Proto") == "https");
}

BOOST_AUTO_TEST_CASE(plain_and_tls_listeners_serve_side_by_side) {
  auto& d = tls_deployment();
  const auto plain = d.curl_plain("/verified/plain");
  BOOST_TEST_REQUIRE(plain.status == 200, plain.error);
  BOOST_TEST(header_of(d.upstream_records("trusted").back(), "X-Forwarded-Proto") == "http");
  const auto secure = d.curl_tls("/verified/secure");
  BOOST_TEST_REQUIRE(secure.status == 200, secure.error);
  BOOST_TEST(header_of(d.upstream_records("trusted").back(), "X-Forwarded-Proto") == "https");
}

BOOST_AUTO_TEST_CASE(tls_1_2_and_1_3_are_accepted) {
  auto& d = tls_deployment();
  BOOST_TEST(d.curl_tls("/verified/v12", {"--tlsv1.2", "--tls-max", "1.2"}).status == 200);
  BOOST_TEST(d.curl_tls("/verified/v13", {"--tlsv1.3"}).status == 200);
}

BOOST_AUTO_TEST_CASE(tls_1_1_is_refused_and_the_failure_is_logged_and_counted) {
  auto& d = tls_deployment();
  const auto before = d.log_count("tls_handshake_failed");
  TlsClientOptions old_client = trusting_test_ca();
  old_client.only_tls11 = true;
  BOOST_CHECK_THROW(TlsClient(d.tls_port(), old_client), std::runtime_error);
  BOOST_TEST(d.wait_for_log("tls_handshake_failed", before + 1));
  BOOST_TEST(d.log_text().find("unsupported protocol") != std::string::npos);
  BOOST_TEST(
      d.metrics().find("latchkey_tls_handshake_failures_total{reason=\"handshake_error\"}") !=
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(alpn_selects_http_1_1_and_never_h2) {
  auto& d = tls_deployment();
  TlsClientOptions both = trusting_test_ca();
  both.alpn = "h2,http/1.1";
  TlsClient offered_both(d.tls_port(), both);
  BOOST_TEST(offered_both.alpn() == "http/1.1");
  BOOST_TEST(offered_both.get("/verified/alpn").status == 200);

  TlsClientOptions h2_only = trusting_test_ca();
  h2_only.alpn = "h2";
  TlsClient offered_h2(d.tls_port(), h2_only);
  BOOST_TEST(offered_h2.alpn() == "");

  const auto curl = d.curl_tls("/verified/curl-h2", {"--http2"});
  BOOST_TEST(curl.status == 200);
  BOOST_TEST(curl.http_version == "1.1");
}

BOOST_AUTO_TEST_CASE(a_stalled_handshake_is_cut_at_the_header_timeout) {
  auto& d = tls_deployment();
  const auto before = d.log_count("\"reason\":\"timeout\"");
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(d.tls_port()));
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  BOOST_TEST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  const auto started = std::chrono::steady_clock::now();
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, 0);  // send nothing: latchkey must hang up
  const auto waited = std::chrono::steady_clock::now() - started;
  ::close(fd);
  BOOST_TEST(n == 0);
  BOOST_TEST(waited >= std::chrono::milliseconds(1500));  // server.header_timeout is 2 s
  BOOST_TEST(waited < std::chrono::seconds(6));
  BOOST_TEST(d.wait_for_log("\"reason\":\"timeout\"", before + 1));
}

BOOST_AUTO_TEST_CASE(an_https_upstream_with_a_trusted_certificate_is_reached) {
  auto& d = tls_deployment();
  BOOST_TEST(d.curl_plain("/verified/by-address").status == 200);
  // By name: SNI and the host name check use "localhost".
  BOOST_TEST(d.curl_plain("/by-name/x").status == 200);
  BOOST_TEST(d.upstream_records("trusted").back().at("path").as_string() == "/by-name/x");
}

// Bodies stream through TLS on both sides, byte for byte.
BOOST_AUTO_TEST_CASE(bodies_cross_tls_on_both_sides_intact) {
  auto& d = tls_deployment();
  constexpr int kBytes = 3 * 1024 * 1024 + 17;
  const auto download =
      d.curl_tls("/download?bytes=" + std::to_string(kBytes), {"-D", d.file("download.headers")});
  BOOST_TEST_REQUIRE(download.status == 200, download.error);
  BOOST_TEST(download.body.size() == static_cast<std::size_t>(kBytes));
  const std::string headers = read_file(d.file("download.headers"));
  const ProcessResult digest = run_process(
      {"/usr/bin/python3", "-c",
       "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"},
      stdin_of(download.body));
  BOOST_TEST(headers.find("X-Body-Sha256: " + digest.out.substr(0, 64)) != std::string::npos);

  std::string upload(kBytes, '\0');
  for (std::size_t i = 0; i < upload.size(); ++i) upload[i] = static_cast<char>(i * 7 % 251);
  write_file(d.file("upload.bin"), upload);
  const auto uploaded =
      d.curl_tls("/verified/upload", {"--data-binary", "@" + d.file("upload.bin")});
  BOOST_TEST_REQUIRE(uploaded.status == 200, uploaded.error);
  const ProcessResult upload_digest = run_process(
      {"/usr/bin/python3", "-c",
       "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"},
      stdin_of(upload));
  const auto record = d.upstream_records("trusted").back();
  BOOST_TEST(record.at("body_bytes").as_int64() == kBytes);
  BOOST_TEST(record.at("body_sha256").as_string() == upload_digest.out.substr(0, 64));
}

// A kept connection waits for its next request on the socket alone once idle (50 ms), its
// record buffers given back; the session's TLS state must survive that, and header_timeout
// (2 s here) must not cut a connection that is merely idle.
BOOST_AUTO_TEST_CASE(a_kept_tls_connection_idle_past_the_header_timeout_serves_its_next_request) {
  auto& d = tls_deployment();
  TlsClient client(d.tls_port(), trusting_test_ca());
  BOOST_TEST_REQUIRE(client.get("/verified/before-idle").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const auto after = client.get("/verified/after-idle");
  BOOST_TEST(after.status == 200);
  BOOST_TEST(d.upstream_records("trusted").back().at("path").as_string() == "/verified/after-idle");
}

// Requests that arrive in one record are all answered, in order, before the connection may
// go idle: decrypted bytes still buffered must not be mistaken for an idle connection. The
// second round's heads are padded past one 8 KiB read, so some stay decrypted inside OpenSSL.
BOOST_AUTO_TEST_CASE(pipelined_requests_over_tls_are_answered_in_order_across_idle_waits) {
  auto& d = tls_deployment();
  TlsClient client(d.tls_port(), trusting_test_ca());
  for (int round = 0; round < 2; ++round) {
    const std::string prefix = "/verified/pipelined-" + std::to_string(round) + "-";
    const std::string pad = round == 0 ? "" : "X-Pad: " + std::string(3000, 'p') + "\r\n";
    client.send("GET " + prefix + "a HTTP/1.1\r\nHost: localhost\r\n" + pad + "\r\n" +
                "GET " + prefix + "b HTTP/1.1\r\nHost: localhost\r\n" + pad + "\r\n" +
                "GET " + prefix + "c HTTP/1.1\r\nHost: localhost\r\n" + pad + "\r\n");
    for (int reply = 0; reply < 3; ++reply) BOOST_TEST_REQUIRE(client.read_reply().status == 200);
    // Read only now: the proxy moves on to the next pipelined request as soon as it answered one.
    const auto records = d.upstream_records("trusted");
    BOOST_TEST_REQUIRE(records.size() >= 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      BOOST_TEST(records[records.size() - 3 + i].at("path").as_string() ==
                 prefix + std::string(1, static_cast<char>('a' + i)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the idle release
  }
}

// A drain (SIGTERM) closes a kept connection at its next request only when none of it has
// arrived. A request read off the socket along with the one before waits inside the TLS
// layer, where the socket shows nothing: it must still be answered, as over plain HTTP.
BOOST_AUTO_TEST_CASE(a_drain_answers_a_request_already_read_into_the_tls_layer) {
  TlsDeployment d;  // its own: the drain ends it
  TlsClientOptions options;
  options.ca_file = d.ca_file();
  TlsClient client(d.tls_port(), options);
  // The first reply outgrows the socket buffers while we do not read: its keep-alive head
  // is out before the drain, its body after.
  constexpr std::size_t kBodyBytes = 32u << 20;
  client.send_records(
      {"GET /download?bytes=" + std::to_string(kBodyBytes) + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
       "GET /verified/after-drain HTTP/1.1\r\nHost: localhost\r\n\r\n"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  BOOST_TEST_REQUIRE(::kill(d.latchkey_pid(), SIGTERM) == 0);
  BOOST_TEST_REQUIRE(d.wait_for_log("\"event\":\"shutdown\""));
  TlsReply first;
  BOOST_REQUIRE_NO_THROW(first = client.read_reply());
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.body.size() == kBodyBytes);
  BOOST_TEST(first.headers.find("Connection: close") == std::string::npos);
  TlsReply second;
  BOOST_REQUIRE_NO_THROW(second = client.read_reply());
  BOOST_TEST(second.status == 200);
  BOOST_TEST(second.headers.find("Connection: close") != std::string::npos);
  BOOST_TEST(d.upstream_records("trusted").back().at("path").as_string() ==
             "/verified/after-drain");
  const auto code = d.wait_latchkey_exit(std::chrono::seconds(5));
  BOOST_TEST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0);
}

// What an idle kept TLS connection costs: with asio::ssl::stream it was ~80 KiB (four 17 KiB
// record buffers held for the connection's life), now about OpenSSL's session state.
BOOST_AUTO_TEST_CASE(idle_kept_tls_connections_hold_no_record_buffers) {
  auto& d = tls_deployment();
  constexpr int kConnections = 400;
  std::vector<std::unique_ptr<TlsClient>> clients;
  clients.push_back(std::make_unique<TlsClient>(d.tls_port(), trusting_test_ca()));
  BOOST_TEST_REQUIRE(clients.back()->get("/verified/warm").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long before = rss_kib(d.latchkey_pid());
  for (int i = 1; i < kConnections; ++i) {
    clients.push_back(std::make_unique<TlsClient>(d.tls_port(), trusting_test_ca()));
    BOOST_TEST_REQUIRE(clients.back()->get("/verified/idle").status == 200);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // all past the idle release
  const long after = rss_kib(d.latchkey_pid());
  const long per_connection = (after - before) * 1024 / (kConnections - 1);
  BOOST_TEST_MESSAGE("RSS per idle TLS connection: " << per_connection << " bytes");
#ifdef LATCHKEY_EXPECT_MIMALLOC
  // Measured 20 KiB (nginx: 16 KiB); 80 KiB before.
  BOOST_TEST(per_connection < 40 * 1024);
#endif
  // Idle, and still serving (every build, the sanitizers' too).
  for (auto& client : clients) BOOST_TEST_REQUIRE(client->get("/verified/again").status == 200);
}

// What an idle pooled TLS upstream connection costs: with asio::ssl::stream it kept its four
// 17 KiB record buffers while it waited; now its record buffers are given back when pooled.
BOOST_AUTO_TEST_CASE(idle_pooled_tls_upstream_connections_hold_no_record_buffers) {
  auto& d = tls_deployment();
  constexpr int kConnections = 200;
  auto request = [](const std::string& host) {
    return "GET /slow?ms=1500 HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  };
  // All at once, so that each takes an upstream connection of its own.
  auto burst = [&](const std::string& host) {
    std::vector<std::unique_ptr<RawConnection>> clients;
    for (int i = 0; i < kConnections; ++i) {
      clients.push_back(std::make_unique<RawConnection>(d.plain_port()));
      BOOST_TEST_REQUIRE(clients.back()->send(request(host)));
    }
    int answered = 0;
    for (const auto& client : clients) {
      const auto response = client->read_response(std::chrono::seconds(10));
      answered += response && response->status == 200 ? 1 : 0;
    }
    BOOST_TEST_REQUIRE(answered == kConnections);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  };
  // The same burst through a route that pools nothing first: the memory a burst leaves behind
  // (allocator caches) is then in both measurements, and only the pooled connections differ.
  burst("no-pool.test");
  const long before = rss_kib(d.latchkey_pid());
  burst("pool.test");
  const long after = rss_kib(d.latchkey_pid());
  const std::string metrics = d.metrics();
  const std::string idle_series = "\nlatchkey_upstream_idle_connections ";
  const auto idle_at = metrics.find(idle_series);
  BOOST_TEST_REQUIRE(idle_at != std::string::npos);
  BOOST_TEST_REQUIRE(std::stol(metrics.substr(idle_at + idle_series.size())) >= kConnections);
  const long per_connection = (after - before) * 1024 / kConnections;
  BOOST_TEST_MESSAGE("RSS per idle pooled TLS upstream connection: " << per_connection << " bytes");
#ifdef LATCHKEY_EXPECT_MIMALLOC
  // Measured 28 KiB (OpenSSL's session state, the peer's certificate); 78-80 KiB with
  // asio::ssl::stream.
  BOOST_TEST(per_connection < 48 * 1024);
#endif
  // Pooled, and still fit to serve.
  BOOST_TEST(raw_exchange_at(d.plain_port(), request("pool.test")).answer.find(" 200 ") !=
             std::string::npos);
}

// This deployment has no catch-all route: a path outside every prefix is a 404 that the
// metrics count by reason, as every refusal is.
BOOST_AUTO_TEST_CASE(a_request_no_route_matches_is_counted_by_reason) {
  auto& d = tls_deployment();
  BOOST_TEST(d.curl_plain("/outside-every-route").status == 404);
  BOOST_TEST(d.metrics().find("latchkey_requests_rejected_total{reason=\"no_route\"}") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls_upstream_connections_are_pooled) {
  auto& d = tls_deployment();
  BOOST_TEST_REQUIRE(d.curl_plain("/verified/pool-1").status == 200);
  BOOST_TEST_REQUIRE(d.curl_plain("/verified/pool-2").status == 200);
  const auto records = d.upstream_records("trusted");
  BOOST_TEST_REQUIRE(records.size() >= 2u);
  BOOST_TEST(records[records.size() - 1].at("client_port") ==
             records[records.size() - 2].at("client_port"));
}

// Asks for an answer followed by stale records, then three times for another: none of the
// stale bytes may answer those (any client's) requests.
static void expect_leftovers_never_answer(TlsDeployment& d, const std::string& overlong,
                                          const std::string& next_path) {
  const auto first = d.curl_plain(overlong);
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.body == "abc");
  for (int i = 0; i < 3; ++i) {
    const auto next = d.curl_plain(next_path);
    BOOST_TEST(next.status == 200);
    BOOST_TEST(next.body.find("STALE") == std::string::npos, next.body.substr(0, 200));
    BOOST_TEST(next.body.find(next_path) != std::string::npos, next.body.substr(0, 200));
  }
}

// Records an upstream sent past its answer's framing wait, undecrypted, in the TLS layer where
// no peek at the socket sees them: such a connection is not pooled, or the next request (any
// client's) would get them as its answer.
BOOST_AUTO_TEST_CASE(a_tls_upstream_connection_with_records_left_over_is_not_reused) {
  expect_leftovers_never_answer(tls_deployment(), "/verified/overlong", "/verified/after-overlong");
}

// The same with far more than one socket read of records left over (64 KiB in four records):
// part waits in the TLS layer, the rest on the socket; none may answer the next request.
BOOST_AUTO_TEST_CASE(a_tls_upstream_connection_with_many_records_left_over_is_not_reused) {
  for (int round = 0; round < 5; ++round) {
    expect_leftovers_never_answer(tls_deployment(), "/verified/overlong?stale_bytes=65536",
                                  "/verified/after-many-overlong");
  }
}

// Elliptic-curve key exchange only: a client asking for a finite-field group (ffdhe8192 costs
// the server ~100 ms of an IO thread per handshake) is refused.
BOOST_AUTO_TEST_CASE(finite_field_key_exchange_is_refused) {
  auto& d = tls_deployment();
  const std::string connect = "127.0.0.1:" + std::to_string(d.tls_port());
  const ProcessResult ffdhe = run_process({"openssl", "s_client", "-connect", connect, "-tls1_3",
                                           "-groups", "ffdhe8192", "-CAfile", d.ca_file()});
  BOOST_TEST(ffdhe.exit_code != 0);
  BOOST_TEST(ffdhe.out.find("Server Temp Key: DH") == std::string::npos);
  const ProcessResult x25519 = run_process({"openssl", "s_client", "-connect", connect, "-tls1_3",
                                            "-groups", "X25519", "-CAfile", d.ca_file()});
  BOOST_TEST(x25519.exit_code == 0, x25519.err);
  BOOST_TEST(x25519.out.find("Server Temp Key: X25519") != std::string::npos, x25519.out);
}

BOOST_AUTO_TEST_CASE(an_upstream_certificate_from_an_unknown_ca_gives_502) {
  auto& d = tls_deployment();
  const auto before = d.upstream_records("rogue").size();
  const auto result = d.curl_plain("/unknown-ca/x");
  BOOST_TEST(result.status == 502);
  BOOST_TEST(d.upstream_records("rogue").size() == before);  // no request was sent
  BOOST_TEST(d.wait_for_log("upstream_tls_failed"));
  BOOST_TEST(d.log_text().find("unable to get local issuer certificate") != std::string::npos);
  BOOST_TEST(
      d.metrics().find(
          "latchkey_upstream_errors_total{route=\"unknown-ca\",reason=\"upstream_tls_failed\"}") !=
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_system_store_does_not_trust_the_test_ca) {
  auto& d = tls_deployment();
  BOOST_TEST(d.curl_plain("/system-store/x").status == 502);
  BOOST_TEST(d.metrics().find("route=\"system-store\",reason=\"upstream_tls_failed\"") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_upstream_certificate_for_another_host_gives_502) {
  auto& d = tls_deployment();
  const auto before = d.upstream_records("wrong-host").size();
  BOOST_TEST(d.curl_plain("/wrong-host/x").status == 502);
  BOOST_TEST(d.upstream_records("wrong-host").size() == before);
  BOOST_TEST(d.wait_for_log("IP address mismatch"));
  BOOST_TEST(d.metrics().find("route=\"wrong-host\",reason=\"upstream_tls_failed\"") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(skipping_verification_works_only_where_opted_in_and_is_logged) {
  auto& d = tls_deployment();
  BOOST_TEST(d.curl_plain("/skip-verify/x").status == 200);
  BOOST_TEST(d.upstream_records("rogue").back().at("path").as_string() == "/skip-verify/x");
  const std::string log = d.log_text();
  const auto warning = log.find("upstream_tls_verify_disabled");
  BOOST_TEST_REQUIRE(warning != std::string::npos);
  const auto line =
      log.substr(log.rfind('\n', warning) + 1, log.find('\n', warning) - log.rfind('\n', warning));
  BOOST_TEST(line.find("\"warning\"") != std::string::npos);
  BOOST_TEST(line.find("\"route\":\"skip-verify\"") != std::string::npos);
  BOOST_TEST(d.log_count("upstream_tls_verify_disabled") == 1u);  // only that route
  const auto checked = d.check_config();
  BOOST_TEST(checked.exit_code == 0);
  BOOST_TEST(checked.err ==
             "warning: routes[5].upstream.tls_insecure_skip_verify: the certificate of 127.0.0.1 "
             "is not verified; anyone on the path can read and change that traffic\n");
}

BOOST_AUTO_TEST_CASE(a_client_certificate_is_presented_to_an_upstream_that_requires_one) {
  auto& d = tls_deployment();
  BOOST_TEST_REQUIRE(d.curl_plain("/mutual/x").status == 200);
  const auto record = d.upstream_records("mutual").back();
  BOOST_TEST(record.at("tls_client_subject").as_string() == "latchkey-client");
  // The same upstream, from a route without a client certificate: refused, nothing served.
  // TLS 1.3 sends that refusal after the client's half of the handshake, so it can race with
  // the request: the upstream then resets the connection and the alert is lost with it.
  const auto before = d.upstream_records("mutual").size();
  BOOST_TEST(d.curl_plain("/no-client-certificate/x").status == 502);
  BOOST_TEST(d.upstream_records("mutual").size() == before);
  const std::string metrics = d.metrics();
  const std::string route = "route=\"mutual-without-certificate\",reason=";
  BOOST_TEST((metrics.find(route + "\"upstream_tls_failed\"") != std::string::npos ||
              metrics.find(route + "\"upstream_closed\"") != std::string::npos ||
              metrics.find(route + "\"upstream_write_failed\"") != std::string::npos));
}

// Reload: new handshakes get the renewed certificate while a keep-alive connection made before
// keeps working; a broken file at the next reload changes nothing and is logged.
BOOST_AUTO_TEST_CASE(sighup_reloads_the_certificate_without_dropping_connections) {
  auto& d = tls_deployment();
  const std::string old_serial = d.listener_serial();
  TlsClient before(d.tls_port(), trusting_test_ca());
  BOOST_TEST(before.peer_serial() == old_serial);
  BOOST_TEST_REQUIRE(before.get("/verified/before-reload").status == 200);

  d.renew_listener_certificate();
  const std::string new_serial = d.listener_serial();
  BOOST_TEST_REQUIRE(new_serial != old_serial);
  const auto reloads = d.log_count("\"tls_reloaded\"");
  d.send_sighup();
  BOOST_TEST_REQUIRE(d.wait_for_log("\"tls_reloaded\"", reloads + 1));

  TlsClient after(d.tls_port(), trusting_test_ca());
  BOOST_TEST(after.peer_serial() == new_serial);
  BOOST_TEST(after.get("/verified/after-reload").status == 200);
  // The connection opened before the reload is still up, on the old certificate.
  BOOST_TEST(before.get("/verified/old-connection").status == 200);
  BOOST_TEST(before.peer_serial() == old_serial);
}

BOOST_AUTO_TEST_CASE(a_broken_certificate_at_reload_keeps_the_old_one_and_is_logged) {
  auto& d = tls_deployment();
  const std::string serving = d.listener_serial();
  d.break_listener_certificate();
  const auto failures = d.log_count("\"tls_reload_failed\"");
  d.send_sighup();
  BOOST_TEST_REQUIRE(d.wait_for_log("\"tls_reload_failed\"", failures + 1));
  BOOST_TEST(d.log_text().find("listen[1].tls") != std::string::npos);
  BOOST_TEST(d.metrics().find("latchkey_tls_reloads_total{result=\"failed\"} 1") !=
             std::string::npos);
  TlsClient client(d.tls_port(), trusting_test_ca());
  BOOST_TEST(client.peer_serial() == serving);
  BOOST_TEST(client.get("/verified/after-failed-reload").status == 200);
  // Fixed files are taken at the next SIGHUP.
  d.renew_listener_certificate();
  const auto reloads = d.log_count("\"tls_reloaded\"");
  d.send_sighup();
  BOOST_TEST_REQUIRE(d.wait_for_log("\"tls_reloaded\"", reloads + 1));
  TlsClient renewed(d.tls_port(), trusting_test_ca());
  BOOST_TEST(renewed.peer_serial() == d.listener_serial());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

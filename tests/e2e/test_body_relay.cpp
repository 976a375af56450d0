// What the Content-Length fast path (proxy/body_relay.hpp) must preserve: bodies arrive byte
// for byte and are logged with their sizes, an upstream's lying Content-Length neither leaks
// bytes into the next response nor hangs the client, and max_body_bytes still holds.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/e2e/deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {

namespace {
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kCappedBodyBytes = 1024 * 1024;  // max_body_bytes on /capped
constexpr auto kBodyTimeout = seconds(2);              // server.body_timeout

// tests/support/framing_upstream.py: Content-Length bodies that are too long or too short.
class FramingUpstream {
 public:
  FramingUpstream() {
    process_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{
            "/usr/bin/python3",
            std::string(LATCHKEY_SOURCE_DIR) + "/tests/support/framing_upstream.py", "--port-file",
            dir_.file("port")},
        dir_.file("log"));
    for (int i = 0; i < 200 && read_file(dir_.file("port")).empty(); ++i) {
      std::this_thread::sleep_for(milliseconds(25));
    }
    port_ = std::stoi(read_file(dir_.file("port")));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

DeploymentOptions relay_options(const FramingUpstream& framing) {
  DeploymentOptions options;
  options.server = "{ header_timeout: 1s, body_timeout: 2s }";
  options.extra_routes =
      "  - name: framing\n"
      "    match: { path_prefix: /framing }\n"
      "    upstream: { url: \"" +
      framing.url() +
      "\" }\n"
      "    auth: none\n"
      "  - name: capped\n"
      "    match: { path_prefix: /capped }\n"
      "    upstream: { url: \"@UPSTREAM@\" }\n"
      "    auth: none\n"
      "    limits: { max_body_bytes: " +
      std::to_string(kCappedBodyBytes) + " }\n";
  return options;
}

struct RelayDeployment {
  FramingUpstream framing;
  Deployment deployment{relay_options(framing)};
};

RelayDeployment& relay() {
  static RelayDeployment instance;
  return instance;
}

std::string login() {
  static const std::string value = [] {
    relay().deployment.add_user("ivan", "ivan-account-pw", false);
    return "ivan:" + relay().deployment.new_app_password("ivan", "backup");
  }();
  return value;
}

std::string sha256_of(const std::string& path) {
  return run_process({"sha256sum", path}).out.substr(0, 64);
}

// `bytes` pseudo-random bytes (a body no framing bug could pass by accident); its SHA-256.
std::string write_random(const std::string& path, std::size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::uint64_t state = 0x2545f4914f6cdd1dull;
  for (std::size_t i = 0; i < bytes; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    out.put(static_cast<char>(state));
  }
  out.close();
  return sha256_of(path);
}

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(body_relay)

BOOST_AUTO_TEST_CASE(multi_mib_download_arrives_byte_exact_and_bytes_out_is_logged) {
  auto& d = relay().deployment;
  TempDir dir;
  // Odd sizes: the last piece is a partial one; the smallest fits in the head's read.
  for (const std::size_t bytes :
       {std::size_t{6 * 1024 * 1024 + 7}, std::size_t{70001}, std::size_t{13}}) {
    BOOST_TEST_CONTEXT(bytes) {
      const std::string file = dir.file("down-" + std::to_string(bytes));
      const auto result =
          d.curl("/download?bytes=" + std::to_string(bytes), {"-u", login(), "-o", file});
      BOOST_TEST(result.status == 200);
      BOOST_TEST(result.curl_exit == 0, result.curl_error);
      BOOST_TEST(std::filesystem::file_size(file) == bytes);
      BOOST_TEST(sha256_of(file) == result.header("X-Body-Sha256"));
      BOOST_TEST(d.log_contains("\"bytes_out\":" + std::to_string(bytes)));
    }
  }
}

BOOST_AUTO_TEST_CASE(multi_mib_upload_arrives_byte_exact_and_bytes_in_is_logged) {
  auto& d = relay().deployment;
  TempDir dir;
  const std::size_t bytes = 5 * 1024 * 1024 + 3;
  const std::string file = dir.file("up.bin");
  const std::string sha = write_random(file, bytes);
  // With and without 100-continue: the body follows the head at once or only after our 100.
  for (const std::string expect : {"Expect:", "Expect: 100-continue"}) {
    BOOST_TEST_CONTEXT(expect) {
      const auto result =
          d.curl("/upload", {"-u", login(), "--data-binary", "@" + file, "-H",
                             "Content-Type: application/octet-stream", "-H", expect});
      BOOST_TEST(result.status == 200);
      const auto record = d.upstream_records().back();
      BOOST_TEST(record.at("body_bytes").as_int64() == static_cast<std::int64_t>(bytes));
      BOOST_TEST(std::string(record.at("body_sha256").as_string()) == sha);
    }
  }
  BOOST_TEST(d.log_contains("\"bytes_in\":" + std::to_string(bytes)));
}

BOOST_AUTO_TEST_CASE(bytes_past_an_upstream_content_length_never_reach_the_next_response) {
  auto& d = relay().deployment;
  // 100: the extra bytes come in the same read as the head; 1 MB: long after it.
  for (const std::size_t bytes : {std::size_t{100}, std::size_t{1000000}}) {
    BOOST_TEST_CONTEXT(bytes) {
      RawConnection connection(d.proxy_port());
      connection.send(get("/framing/overlong?bytes=" + std::to_string(bytes)));
      const auto first = connection.read_response(seconds(10));
      BOOST_TEST_REQUIRE(first.has_value());
      BOOST_TEST(first->status == 200);
      BOOST_TEST(first->complete);
      BOOST_TEST(first->body == std::string(bytes, 'a'));
      // The same client connection carries on, in step: the next answer is the real one.
      connection.send(get("/framing/plain"));
      const auto second = connection.read_response(seconds(5));
      BOOST_TEST_REQUIRE(second.has_value());
      BOOST_TEST(second->status == 200);
      BOOST_TEST(second->body == "plain");
      BOOST_TEST(connection.pending().find("SMUGGLED") == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_upstream_closing_mid_body_cuts_the_client_connection_at_once) {
  auto& d = relay().deployment;
  struct Case {
    std::size_t announced;
    std::size_t sent;
  };
  for (const Case c : {Case{100, 10}, Case{2000000, 300000}}) {
    BOOST_TEST_CONTEXT(c.announced << " announced, " << c.sent << " sent") {
      const auto started = std::chrono::steady_clock::now();
      RawConnection connection(d.proxy_port());
      connection.send(get("/framing/short?bytes=" + std::to_string(c.announced) +
                          "&sent=" + std::to_string(c.sent)));
      const auto response = connection.read_response(seconds(10));
      BOOST_TEST_REQUIRE(response.has_value());
      BOOST_TEST(response->status == 200);
      BOOST_TEST(!response->complete);  // a short body the client can tell from a whole one
      BOOST_TEST(response->body == std::string(c.sent, 'b'));
      BOOST_TEST(connection.closed_within(seconds(3)));
      // Cut because the upstream closed, not because body_timeout ran out.
      BOOST_TEST((std::chrono::steady_clock::now() - started < kBodyTimeout));
    }
  }
  BOOST_TEST(d.log_contains("\"reason\":\"upstream_body_aborted\""));
}

BOOST_AUTO_TEST_CASE(max_body_bytes_still_holds_for_multi_mib_uploads) {
  auto& d = relay().deployment;
  TempDir dir;
  const std::size_t before = d.upstream_record_count();
  // Content-Length over the limit: refused before a byte is forwarded.
  write_random(dir.file("over"), kCappedBodyBytes + 1);
  const auto over = d.curl("/capped/up", {"--data-binary", "@" + dir.file("over")});
  BOOST_TEST(over.status == 413);
  BOOST_TEST(d.upstream_record_count() == before);
  // Chunked past the limit: cut mid-stream, answered 413, the connection closed.
  RawConnection connection(d.proxy_port());
  connection.send("POST /capped/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string piece(64 * 1024, 'c');
  const std::string chunk = "10000\r\n" + piece + "\r\n";  // 0x10000 = 64 KiB
  for (std::size_t sent = 0; sent < 2 * kCappedBodyBytes && connection.send(chunk);) {
    sent += piece.size();
  }
  const auto response = connection.read_response(seconds(5));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 413);
  BOOST_TEST(connection.closed_within(seconds(3)));
  // At the limit the whole body goes through the fast path, intact.
  const std::string sha = write_random(dir.file("at"), kCappedBodyBytes);
  const auto at = d.curl("/capped/up", {"--data-binary", "@" + dir.file("at")});
  BOOST_TEST(at.status == 200);
  const auto record = d.upstream_records().back();
  BOOST_TEST(record.at("body_bytes").as_int64() == static_cast<std::int64_t>(kCappedBodyBytes));
  BOOST_TEST(std::string(record.at("body_sha256").as_string()) == sha);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

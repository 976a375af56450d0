// The process lifecycle against the real binary: SIGHUP reloads the config file (or refuses
// a bad one and keeps serving), SIGTERM drains (idle connections close at once, requests in
// flight finish, the process exits 0), server.threads IO threads run, and connections over
// server.max_connections are refused.
#define BOOST_TEST_DYN_LINK
#include <dirent.h>
#include <signal.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "tests/e2e/deployment.hpp"
#include "tests/e2e/raw_client.hpp"

namespace latchkey::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A slow route of our own (Host: slow.test): the shared config's /slow allows only 500 ms.
const std::string kSlowRoute =
    "  - name: slow-test\n"
    "    match: { host: slow.test, path_prefix: /slow }\n"
    "    upstream: { url: \"@UPSTREAM@\", response_timeout: 3s }\n"
    "    auth: none\n";

DeploymentOptions lifecycle_options(const std::string& server) {
  DeploymentOptions options;
  options.server = server;
  options.extra_routes = kSlowRoute;
  return options;
}

Deployment& reloading() {
  static Deployment instance(lifecycle_options("{ header_timeout: 1s, threads: 3 }"));
  return instance;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  BOOST_TEST_REQUIRE(at != std::string::npos, "config text lacks " << from);
  return text.replace(at, from.size(), to);
}

std::string slow_request(int ms, const std::string& connection = "") {
  return "GET /slow?ms=" + std::to_string(ms) + " HTTP/1.1\r\nHost: slow.test\r\n" + connection +
         "\r\n";
}

std::string metrics_of(Deployment& d) {
  return d.admin_get("/metrics").out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(sighup_reloads_routes_for_new_requests_and_keep_alive_connections) {
  auto& d = reloading();
  // A keep-alive connection opened before the reload: /reloaded falls to the tracker route.
  RawConnection kept(d.proxy_port());
  kept.send("GET /reloaded/a HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto before = kept.read_response(seconds(5));
  BOOST_TEST_REQUIRE(before.has_value());
  BOOST_TEST(before->status == 401);
  // A request in flight, started with response_timeout 3s.
  auto in_flight = std::async(std::launch::async, [&d] {
    RawConnection connection(d.proxy_port());
    connection.send(slow_request(1200));
    return connection.read_response(seconds(10));
  });
  std::this_thread::sleep_for(milliseconds(200));

  const std::string upstream = "http://127.0.0.1:" + std::to_string(d.upstream_port());
  std::string text = replaced(d.config_text(), "response_timeout: 3s", "response_timeout: 200ms");
  text = replaced(text, "pool_size: 4", "pool_size: 5");  // needs a restart
  text += "  - name: reloaded\n    match: { path_prefix: /reloaded }\n    upstream: { url: \"" +
          upstream + "\" }\n    auth: none\n";
  write_file(d.config_file(), text);
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGHUP) == 0);
  BOOST_TEST_REQUIRE(d.log_contains("\"event\":\"config_reloaded\""));
  BOOST_CHECK(in_flight.wait_for(milliseconds(0)) != std::future_status::ready);

  // The request in flight finishes on the config it started with (3s, not 200ms).
  const auto finished = in_flight.get();
  BOOST_TEST_REQUIRE(finished.has_value());
  BOOST_TEST(finished->status == 200);
  // A new one gets the new timeout.
  const auto fresh = raw_exchange_at(d.proxy_port(), slow_request(1200));
  BOOST_TEST(fresh.answer.rfind("HTTP/1.1 504", 0) == 0);
  // The connection opened before the reload serves its next request with the new routes.
  kept.send("GET /reloaded/a HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto after = kept.read_response(seconds(5));
  BOOST_TEST_REQUIRE(after.has_value());
  BOOST_TEST(after->status == 200);
  BOOST_TEST(d.upstream_records().back().at("path").as_string() == "/reloaded/a");
  // What could not change is said, and ignored.
  BOOST_TEST(d.log_contains("\"event\":\"config_reload_needs_restart\""));
  BOOST_TEST(d.log_contains("\"database.pool_size\""));
  BOOST_TEST(metrics_of(d).find("latchkey_config_reloads_total{result=\"ok\"} 1") !=
             std::string::npos);
}

// A connection from before a reload that raised max_header_bytes keeps its smaller buffer: a
// head that fills it gets 431 at once, not zero-length reads on a spinning IO thread until
// header_timeout.
BOOST_AUTO_TEST_CASE(a_head_filling_a_buffer_made_before_a_reload_gets_431_at_once) {
  Deployment d(lifecycle_options("{ header_timeout: 6s, max_header_bytes: 16384 }"));
  RawConnection kept(d.proxy_port());
  kept.send("GET /static/before HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST_REQUIRE(kept.read_response(seconds(5)).has_value());
  write_file(d.config_file(),
             replaced(d.config_text(), "max_header_bytes: 16384", "max_header_bytes: 1048576"));
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGHUP) == 0);
  BOOST_TEST_REQUIRE(d.log_contains("\"event\":\"config_reloaded\""));
  const auto started = std::chrono::steady_clock::now();
  kept.send("GET /static/after HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(200'000, 'a'));
  bool closed = false;
  const std::string answer = kept.read_until_closed(seconds(10), closed);
  BOOST_TEST(answer.rfind("HTTP/1.1 431", 0) == 0, answer.substr(0, 100));
  BOOST_TEST((std::chrono::steady_clock::now() - started < seconds(4)));
}

BOOST_AUTO_TEST_CASE(an_invalid_file_is_refused_with_its_problems_and_the_old_config_serves) {
  auto& d = reloading();
  const std::string good = read_file(d.config_file());
  std::string bad = replaced(good, "header_timeout: 1s", "header_timeout: 1 second");
  bad += "bogus_section: 1\n";
  write_file(d.config_file(), bad);
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGHUP) == 0);
  BOOST_TEST_REQUIRE(d.log_contains("\"event\":\"config_reload_failed\""));
  BOOST_TEST(d.log_contains("server.header_timeout: \\\"1 second\\\""));
  BOOST_TEST(d.log_contains("bogus_section: unknown key"));
  BOOST_TEST(metrics_of(d).find("latchkey_config_reloads_total{result=\"failed\"} 1") !=
             std::string::npos);
  // Still serving, with the last good config (which has /reloaded if the previous case ran,
  // and the public route either way).
  BOOST_TEST(d.curl("/static/still-serving").status == 200);
  write_file(d.config_file(), good);
}

BOOST_AUTO_TEST_CASE(server_threads_sets_the_number_of_io_threads) {
  auto& d = reloading();
  const std::string tasks = "/proc/" + std::to_string(d.proxy_pid()) + "/task";
  int io_threads = 0;
  DIR* dir = ::opendir(tasks.c_str());
  BOOST_TEST_REQUIRE(dir != nullptr);
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(tasks + "/" + entry->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name == "latchkey-io") ++io_threads;
  }
  ::closedir(dir);
  BOOST_TEST(io_threads == 3);
  BOOST_TEST(d.log_contains("\"io_threads\":3"));
}

BOOST_AUTO_TEST_CASE(the_process_runs_on_the_allocator_it_was_built_with) {
  // Linking mimalloc is only worth it when its malloc, not glibc's, is the one called.
  auto& d = reloading();
#ifdef LATCHKEY_EXPECT_MIMALLOC
  BOOST_TEST(d.log_contains("\"allocator\":\"mimalloc\""));
#else
  BOOST_TEST(d.log_contains("\"allocator\":\"system\""));
#endif
}

BOOST_AUTO_TEST_CASE(sigterm_drains_keep_alive_clients_under_load_and_exits_0) {
  Deployment d(lifecycle_options("{ header_timeout: 2s, drain_timeout: 10s }"));
  // Idle keep-alive connections: each served one request, then waits.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<RawConnection>(d.proxy_port()));
    idle.back()->send("GET /static/idle HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto response = idle.back()->read_response(seconds(5));
    BOOST_TEST_REQUIRE(response.has_value());
  }
  // A bounded load: 4 clients, each on one keep-alive connection, requests back to back.
  std::atomic<bool> stop{false};
  std::atomic<int> completed{0};
  std::atomic<int> broken{0};  // a response that started and did not finish
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      RawConnection connection(d.proxy_port());
      for (int n = 0; n < 2000 && !stop; ++n) {
        if (!connection.send("GET /static/load-" + std::to_string(c) + "-" + std::to_string(n) +
                             " HTTP/1.1\r\nHost: x\r\n\r\n")) {
          return;
        }
        const auto response = connection.read_response(seconds(10));
        if (!response) {
          // Closed before any byte of an answer: the request was never taken (a client
          // retries that); a partial head is a broken response.
          if (!connection.pending().empty()) ++broken;
          return;
        }
        if (!response->complete || response->status != 200) {
          ++broken;
          return;
        }
        ++completed;
        if (response->header("Connection") == "close") return;
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(500));
  // A slow request in flight when the signal comes.
  auto in_flight = std::async(std::launch::async, [&d] {
    RawConnection connection(d.proxy_port());
    connection.send(slow_request(800));
    return connection.read_response(seconds(10));
  });
  std::this_thread::sleep_for(milliseconds(200));
  const int completed_before = completed.load();
  const auto signalled = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGTERM) == 0);

  // Idle connections are closed at once, not at the 10 s drain deadline.
  for (auto& connection : idle) BOOST_TEST(connection->closed_within(seconds(2)));
  BOOST_CHECK(std::chrono::steady_clock::now() - signalled < seconds(2));

  const auto slow = in_flight.get();
  BOOST_TEST_REQUIRE(slow.has_value());
  BOOST_TEST(slow->status == 200);
  BOOST_TEST(slow->complete);
  BOOST_TEST(slow->header("Connection") == "close");

  const auto code = d.wait_proxy_exit(seconds(5));
  const auto exited_after = std::chrono::steady_clock::now() - signalled;
  stop = true;
  for (auto& client : clients) client.join();
  BOOST_TEST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0);
  BOOST_CHECK(exited_after < seconds(3));
  BOOST_TEST(broken.load() == 0);
  BOOST_TEST(completed_before > 0);
  BOOST_TEST_MESSAGE("drain: " << completed.load() << " load requests completed, exit after "
                               << std::chrono::duration_cast<milliseconds>(exited_after).count()
                               << " ms");
  BOOST_TEST(d.log_contains("\"event\":\"drained\""));
  BOOST_TEST(!d.log_contains("drain_deadline_passed", milliseconds(0)));
}

BOOST_AUTO_TEST_CASE(a_request_outliving_drain_timeout_is_cut_and_the_process_still_exits_0) {
  Deployment d(lifecycle_options("{ header_timeout: 2s, drain_timeout: 1s }"));
  RawConnection connection(d.proxy_port());
  connection.send(slow_request(2500));
  std::this_thread::sleep_for(milliseconds(200));
  const auto signalled = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGTERM) == 0);
  const auto code = d.wait_proxy_exit(seconds(5));
  const auto exited_after = std::chrono::steady_clock::now() - signalled;
  BOOST_TEST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0);
  BOOST_CHECK(exited_after >= milliseconds(900));
  BOOST_CHECK(exited_after < seconds(3));
  BOOST_TEST(d.log_contains("\"event\":\"drain_deadline_passed\""));
}

BOOST_AUTO_TEST_CASE(a_second_sigterm_ends_the_drain_at_once) {
  Deployment d(lifecycle_options("{ header_timeout: 2s, drain_timeout: 20s }"));
  RawConnection connection(d.proxy_port());
  connection.send(slow_request(2500));
  std::this_thread::sleep_for(milliseconds(200));
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGTERM) == 0);
  BOOST_TEST_REQUIRE(d.log_contains("\"event\":\"shutdown\""));
  const auto again = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(::kill(d.proxy_pid(), SIGTERM) == 0);
  const auto code = d.wait_proxy_exit(seconds(5));
  BOOST_TEST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0);
  BOOST_CHECK(std::chrono::steady_clock::now() - again < seconds(2));  // not the 2.5 s request
  BOOST_TEST(d.log_contains("\"event\":\"shutdown_forced\""));
}

BOOST_AUTO_TEST_CASE(connections_over_max_connections_are_closed_at_once) {
  DeploymentOptions options;
  options.server = "{ header_timeout: 5s, max_connections: 3 }";
  Deployment d(options);
  std::vector<std::unique_ptr<RawConnection>> holders;
  for (int i = 0; i < 3; ++i) holders.push_back(std::make_unique<RawConnection>(d.proxy_port()));
  // All three admitted, as the open-connections gauge shows.
  const auto admitted_by = std::chrono::steady_clock::now() + seconds(5);
  while (metrics_of(d).find("latchkey_open_connections 3\n") == std::string::npos &&
         std::chrono::steady_clock::now() < admitted_by) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  BOOST_TEST_REQUIRE(metrics_of(d).find("latchkey_open_connections 3\n") != std::string::npos);
  const auto started = std::chrono::steady_clock::now();
  RawConnection refused(d.proxy_port());
  refused.send("GET /static/refused HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  const std::string answer = refused.read_until_closed(seconds(3), closed);
  BOOST_TEST(closed);
  BOOST_TEST(answer.empty(), "answered: " << answer << "\nlog:\n" << d.log_text());
  BOOST_CHECK(std::chrono::steady_clock::now() - started < seconds(2));
  BOOST_TEST(d.log_contains("\"reason\":\"max_connections\""));
  BOOST_TEST(metrics_of(d).find("latchkey_limit_hits_total{limit=\"max_connections\"}") !=
             std::string::npos);
  // Once one of them goes, a new connection is served.
  holders.pop_back();
  const auto left_by = std::chrono::steady_clock::now() + seconds(5);
  while (metrics_of(d).find("latchkey_open_connections 2\n") == std::string::npos &&
         std::chrono::steady_clock::now() < left_by) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  BOOST_TEST(d.curl("/static/admitted").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

// One JSON line per request (DESIGN.md §1). Paths are logged without their query string:
// queries carry tokens and signatures often enough that they never go to the log.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/log_sink.hpp"

namespace latchkey::proxy {

struct AccessRecord {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string client;
  std::string route;   // empty when no route matched
  std::string method;
  std::string path;    // without query
  unsigned status = 0;
  std::string user;              // verified username, empty when none
  std::string app_password;      // name of the application password used, if any
  std::string credential;        // "app_password", "account_password", "token", "" when none
  std::string token;             // name of the token used (or of its application password)
  std::string reason;            // why it was refused or failed, "" when served
  std::uint64_t bytes_in = 0;    // request body bytes relayed
  std::uint64_t bytes_out = 0;   // response body bytes sent
  bool cached = false;           // credentials came from the verified cache
};

void write_access_log(LogSink& sink, const AccessRecord& record);

// The JSON line for `record`, finished at `finished`, stamped `timestamp` (RFC 3339).
std::string format_access_line(const AccessRecord& record,
                               std::chrono::steady_clock::time_point finished,
                               std::string_view timestamp);

// A log line stays small whatever the client sent: a queue of lines is bounded by count and
// bytes, and a flood of 15 KB paths would fill it with few requests.
inline constexpr std::size_t kMaxLoggedPathBytes = 2048;
inline constexpr std::size_t kMaxLoggedMethodBytes = 32;

// "/a/b?secret=1" -> "/a/b"; at most kMaxLoggedPathBytes, cut between UTF-8 sequences.
std::string path_for_log(std::string_view target);

}  // namespace latchkey::proxy

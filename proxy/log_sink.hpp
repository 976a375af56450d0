// JSON-lines log output written by a background thread, so that IO threads never wait on a
// pipe or disk. Bounded: when the writer falls far behind, lines are dropped and counted.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <boost/json/object.hpp>

namespace latchkey::proxy {

class LogSink {
 public:
  // Lines beyond `max_queued`, or beyond `max_queued_bytes` in all, are dropped and counted: a
  // stalled reader of `out` (a log shipper, journald) must not grow the proxy's memory.
  explicit LogSink(std::FILE* out, std::size_t max_queued = 65'536,
                   std::size_t max_queued_bytes = 64 * 1024 * 1024);
  ~LogSink();  // writes what is queued, then stops
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  void write(std::string line);  // one line, without the trailing newline
  std::size_t dropped() const;

  // {"time":..., "level":..., "event":..., ...fields}. Never pass a secret in `fields`.
  void event(std::string_view level, std::string_view event, boost::json::object fields = {});

 private:
  void run();

  std::FILE* out_;
  std::size_t max_queued_;
  std::size_t max_queued_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t dropped_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

// RFC 3339 UTC with milliseconds, e.g. 2026-11-28T04:05:22.123Z.
std::string utc_timestamp_now();

}  // namespace latchkey::proxy

#include "proxy/log_sink.hpp"

#include <chrono>
#include <ctime>

#include <boost/json/serialize.hpp>

namespace latchkey::proxy {

LogSink::LogSink(std::FILE* out, std::size_t max_queued)
    : out_(out), max_queued_(max_queued), writer_([this] { run(); }) {}

LogSink::~LogSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

void LogSink::write(std::string line) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      return;
    }
    was_empty = queue_.empty();
    queue_.push_back(std::move(line));
  }
  // The writer sleeps only on an empty queue: waking it for every line would cost a thread
  // switch per request under load, when it is busy anyway and takes the whole batch.
  if (was_empty) wake_.notify_one();
}

std::size_t LogSink::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void LogSink::event(std::string_view level, std::string_view event, boost::json::object fields) {
  boost::json::object line;
  line["time"] = utc_timestamp_now();
  line["level"] = level;
  line["event"] = event;
  for (auto& field : fields) line[field.key()] = std::move(field.value());
  write(boost::json::serialize(line));
}

void LogSink::run() {
  std::deque<std::string> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    for (const std::string& line : batch) {
      std::fwrite(line.data(), 1, line.size(), out_);
      std::fputc('\n', out_);
    }
    std::fflush(out_);
    batch.clear();
  }
}

std::string utc_timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), buffer, static_cast<int>(millis));
  return out;
}

}  // namespace latchkey::proxy

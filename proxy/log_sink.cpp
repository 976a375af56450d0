#include "proxy/log_sink.hpp"

#include <chrono>
#include <ctime>

#include <boost/json/serialize.hpp>

namespace latchkey::proxy {

namespace {
// Lines are written in batches: a wake-up (a futex call and a thread switch) per request
// cost the IO thread more than formatting its line. A line waits at most this long.
constexpr auto kBatchDelay = std::chrono::milliseconds(10);
constexpr std::size_t kBatchLines = 512;
}  // namespace

LogSink::LogSink(std::FILE* out, std::size_t max_queued, std::size_t max_queued_bytes)
    : out_(out),
      max_queued_(max_queued),
      max_queued_bytes_(max_queued_bytes),
      writer_([this] { run(); }) {}

LogSink::~LogSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

void LogSink::write(std::string line) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued_ || queued_bytes_ + line.size() > max_queued_bytes_) {
      ++dropped_;
      return;
    }
    queued_bytes_ += line.size();
    queue_.push_back(std::move(line));
    // The first line starts the writer's batch delay; a full batch ends it early.
    wake = queue_.size() == 1 || queue_.size() == kBatchLines;
  }
  if (wake) wake_.notify_one();
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
      wake_.wait_for(lock, kBatchDelay,
                     [this] { return stopping_ || queue_.size() >= kBatchLines; });
      batch.swap(queue_);
      queued_bytes_ = 0;
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
  // Every line needs a stamp; the calendar part changes once a second.
  thread_local std::time_t cached_seconds = -1;
  thread_local char cached[32];
  thread_local std::size_t cached_size = 0;
  if (seconds != cached_seconds) {
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    cached_size = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_seconds = seconds;
  }
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(cached_size), cached,
                static_cast<int>(millis));
  return out;
}

}  // namespace latchkey::proxy

// Listens on kCredentialsChangedChannel over a dedicated connection and thread, so that
// every replica drops a user's cached verifications as soon as the change commits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace latchkey::db {

// Shown in pg_stat_activity, so operators (and tests) can tell the listener's backend apart.
inline constexpr std::string_view kListenerApplicationName = "latchkey-listener";

// Owns one libpqxx connection on its own thread (never an IO thread: every call blocks).
// Starts in the constructor. Callbacks run on that thread, one at a time:
// - on_user_changed(user_id) for each notification; malformed payloads are ignored;
// - on_resync() each time LISTEN is (re-)established, the first time included: changes made
//   while not listening were missed, so the caller must drop everything it cached;
// - on_error(message) for failed connects, lost connections and throwing callbacks; one
//   line, naming the redacted URL, never the password.
// Reconnects by itself, waiting 200 ms after the first failure and doubling up to 5 s.
class CredentialChangeListener {
 public:
  CredentialChangeListener(std::string url, std::function<void(std::int64_t)> on_user_changed,
                           std::function<void()> on_resync,
                           std::function<void(const std::string&)> on_error = {});
  ~CredentialChangeListener();  // stop()
  CredentialChangeListener(const CredentialChangeListener&) = delete;
  CredentialChangeListener& operator=(const CredentialChangeListener&) = delete;

  // Returns once the thread has ended and no callback runs any more: within kPollInterval
  // while listening or waiting to retry; a connect attempt in progress is not interrupted,
  // so against an unreachable host it may take up to kConnectTimeoutSeconds. Idempotent.
  void stop();

  // True while LISTEN is in place (after on_resync, until the connection is lost).
  bool connected() const { return connected_.load(); }

  static constexpr std::chrono::milliseconds kPollInterval{200};
  static constexpr std::chrono::milliseconds kFirstRetryDelay{200};
  static constexpr std::chrono::milliseconds kMaxRetryDelay{5000};

 private:
  void run();
  // Connects, listens and delivers until stopped (returns) or the connection fails (throws).
  // Sets `established` once LISTEN is in place.
  void listen_until_stopped(bool& established);
  void deliver(const std::vector<std::string>& payloads) const;
  void report(const std::string& message) const noexcept;

  const std::string url_;
  const std::function<void(std::int64_t)> on_user_changed_;
  const std::function<void()> on_resync_;
  const std::function<void(const std::string&)> on_error_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stop_requested_{false};
  std::mutex stop_mutex_;  // with stop_signal_: wakes the retry wait at once
  std::condition_variable stop_signal_;
  std::mutex join_mutex_;  // two threads calling stop() must not both join
  std::thread thread_;     // last: starts after every member it uses is initialised
};

}  // namespace latchkey::db

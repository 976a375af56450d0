#include "db/credential_change_listener.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/errorhandler>
#include <pqxx/except>
#include <pqxx/notification>
#include <system_error>
#include <utility>
#include <vector>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"
#include "db/statements.hpp"

namespace latchkey::db {
namespace {

constexpr std::string_view kLogPrefix = "credential change listener: ";

// Payloads are queued and handled after await_notification returns: libpqxx would swallow an
// exception thrown from inside a receiver.
class PayloadQueue final : public pqxx::notification_receiver {
 public:
  PayloadQueue(pqxx::connection_base& connection, std::vector<std::string>& payloads)
      : pqxx::notification_receiver(connection, std::string(kCredentialsChangedChannel)),
        payloads_(payloads) {}
  void operator()(const std::string& payload, int) override { payloads_.push_back(payload); }

 private:
  std::vector<std::string>& payloads_;
};

// Keeps the server's last word: the FATAL a backend sends before it closes the connection
// (e.g. "terminating connection due to administrator command") arrives as a notice.
class LastNotice final : public pqxx::errorhandler {
 public:
  explicit LastNotice(pqxx::connection_base& connection) : pqxx::errorhandler(connection) {}
  bool operator()(const char message[]) noexcept override {
    try {
      text = message;
    } catch (...) {
      text.clear();  // out of memory: the log line just loses its detail
    }
    return true;
  }
  std::string text;
};

// One connection with its LISTEN. The socket is closed before the receiver unregisters:
// its UNLISTEN on a broken connection would make libpqxx reconnect, blocking, to send it.
struct ListenSession {
  std::unique_ptr<pqxx::connection> connection;
  LastNotice last_notice{*connection};
  std::vector<std::string> payloads;
  std::optional<PayloadQueue> queue;

  explicit ListenSession(std::unique_ptr<pqxx::connection> c) : connection(std::move(c)) {}
  ~ListenSession() { connection->disconnect(); }
  ListenSession(const ListenSession&) = delete;
  ListenSession& operator=(const ListenSession&) = delete;
};

// A positive decimal user id and nothing else (the payload db/admin_repository sends).
std::optional<std::int64_t> parse_user_id(std::string_view payload) {
  std::int64_t id = 0;
  const char* const end = payload.data() + payload.size();
  const auto [stop, error] = std::from_chars(payload.data(), end, id);
  if (error != std::errc() || stop != end || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

CredentialChangeListener::CredentialChangeListener(
    std::string url, std::function<void(std::int64_t)> on_user_changed,
    std::function<void()> on_resync, std::function<void(const std::string&)> on_error)
    : url_(std::move(url)),
      on_user_changed_(std::move(on_user_changed)),
      on_resync_(std::move(on_resync)),
      on_error_(std::move(on_error)) {
  thread_ = std::thread([this] { run(); });
}

CredentialChangeListener::~CredentialChangeListener() {
  stop();
}

void CredentialChangeListener::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stop_requested_.store(true);
  }
  stop_signal_.notify_all();
  std::lock_guard lock(join_mutex_);
  // From a callback (the listener's own thread) the loop ends after it; the destructor joins.
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void CredentialChangeListener::run() {
  std::chrono::milliseconds delay = kFirstRetryDelay;
  while (!stop_requested_.load()) {
    bool established = false;
    std::string failure;
    try {
      listen_until_stopped(established);
    } catch (const auth::StoreUnavailable& e) {
      failure = e.what();  // from open_connection: one line, already redacted
    } catch (const std::exception& e) {
      failure = (established ? "lost the connection to PostgreSQL at "
                             : "cannot LISTEN on PostgreSQL at ") +
                redact_url(url_) + ": " + scrub_message(e.what(), url_);
    } catch (...) {
      failure = "unexpected non-standard exception";
    }
    connected_.store(false);
    if (stop_requested_.load()) break;
    // A connection that worked is retried quickly; a server that keeps refusing, ever slower.
    if (established) delay = kFirstRetryDelay;
    report(std::string(kLogPrefix) + failure + "; retrying in " + std::to_string(delay.count()) +
           " ms");
    std::unique_lock lock(stop_mutex_);
    if (stop_signal_.wait_for(lock, delay, [this] { return stop_requested_.load(); })) break;
    delay = std::min(delay * 2, kMaxRetryDelay);
  }
  connected_.store(false);
}

void CredentialChangeListener::listen_until_stopped(bool& established) {
  ListenSession session(open_connection(url_));
  session.connection->set_variable("application_name",
                                   "'" + std::string(kListenerApplicationName) + "'");
  session.queue.emplace(*session.connection, session.payloads);  // sends LISTEN
  // libpqxx ignores a broken connection while sending LISTEN; resync only once it is in place.
  if (!session.connection->is_open()) {
    throw pqxx::broken_connection("connection lost while sending LISTEN");
  }
  established = true;
  connected_.store(true);
  // Changes committed from now on are notified; the resync covers every earlier one.
  if (on_resync_) {
    try {
      on_resync_();
    } catch (const std::exception& e) {
      report(std::string(kLogPrefix) + "on_resync failed: " + e.what());
    }
  }
  const long poll_microseconds = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(kPollInterval).count());
  try {
    while (!stop_requested_.load()) {
      // await_notification would silently reconnect a closed connection, hiding the gap.
      if (!session.connection->is_open()) {
        throw pqxx::broken_connection("connection closed by the server");
      }
      session.connection->await_notification(0, poll_microseconds);
      deliver(session.payloads);
      session.payloads.clear();
    }
  } catch (const pqxx::broken_connection& e) {
    // libpqxx says only "Connection to database failed"; the server's notice says why.
    if (session.last_notice.text.empty()) throw;
    throw pqxx::broken_connection(session.last_notice.text);
  }
}

void CredentialChangeListener::deliver(const std::vector<std::string>& payloads) const {
  for (const std::string& payload : payloads) {
    const std::optional<std::int64_t> user_id = parse_user_id(payload);
    if (!user_id || !on_user_changed_) continue;  // not ours: someone else NOTIFYing
    try {
      on_user_changed_(*user_id);
    } catch (const std::exception& e) {
      report(std::string(kLogPrefix) + "on_user_changed(" + std::to_string(*user_id) +
             ") failed: " + e.what());
    }
  }
}

void CredentialChangeListener::report(const std::string& message) const noexcept {
  if (!on_error_) return;
  try {
    on_error_(message);
  } catch (...) {
    // A failing logger must not end the listener.
  }
}

}  // namespace latchkey::db

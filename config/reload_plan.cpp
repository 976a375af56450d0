#include "config/reload_plan.hpp"

#include <tuple>

namespace latchkey::config {
namespace {

bool same_endpoint(const Endpoint& a, const Endpoint& b) {
  return a.host == b.host && a.port == b.port;
}

bool same_listeners(const std::vector<Listener>& a, const std::vector<Listener>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same_endpoint(a[i].address, b[i].address)) return false;
    if (a[i].tls.has_value() != b[i].tls.has_value()) return false;
    if (a[i].tls && std::tie(a[i].tls->cert_file, a[i].tls->key_file) !=
                        std::tie(b[i].tls->cert_file, b[i].tls->key_file)) {
      return false;
    }
  }
  return true;
}

bool same_budget(const FailureBudget& a, const FailureBudget& b) {
  return a.burst == b.burst && a.per_minute == b.per_minute;
}

// Keeps the running value of a restart-only setting and notes the key when the file differs.
template <class T, class Same>
void keep_running(T& next, const T& running, Same same, const char* key,
                  std::vector<std::string>& changed) {
  if (!same(next, running)) changed.emplace_back(key);
  next = running;
}

template <class T>
bool equal(const T& a, const T& b) {
  return a == b;
}

}  // namespace

ReloadPlan plan_reload(const Config& running, Config next) {
  std::vector<std::string> changed;
  keep_running(next.listen, running.listen, same_listeners, "listen", changed);
  keep_running(
      next.admin, running.admin,
      [](const std::optional<Admin>& a, const std::optional<Admin>& b) {
        return a.has_value() == b.has_value() && (!a || same_endpoint(a->address, b->address));
      },
      "admin", changed);
  keep_running(next.database.url, running.database.url, equal<std::string>, "database.url",
               changed);
  keep_running(next.database.pool_size, running.database.pool_size, equal<int>,
               "database.pool_size", changed);
  keep_running(next.database.migrate_on_start, running.database.migrate_on_start, equal<bool>,
               "database.migrate_on_start", changed);
  // Keys and peppers are compared, never shown.
  keep_running(next.secrets.pepper, running.secrets.pepper, equal<std::string>, "secrets.pepper",
               changed);
  keep_running(next.secrets.totp_key, running.secrets.totp_key, equal<std::string>,
               "secrets.totp_key", changed);
  keep_running(next.server.threads, running.server.threads, equal<int>, "server.threads", changed);
  keep_running(next.server.verify_workers, running.server.verify_workers, equal<int>,
               "server.verify_workers", changed);
  keep_running(next.server.verify_queue, running.server.verify_queue, equal<int>,
               "server.verify_queue", changed);
  keep_running(next.cache.ttl, running.cache.ttl, equal<Duration>, "cache.ttl", changed);
  keep_running(next.cache.max_entries, running.cache.max_entries, equal<std::size_t>,
               "cache.max_entries", changed);
  keep_running(next.cache.ttl_unsynced, running.cache.ttl_unsynced, equal<Duration>,
               "cache.ttl_unsynced", changed);
  keep_running(next.brute_force.per_address, running.brute_force.per_address, same_budget,
               "brute_force.per_address", changed);
  keep_running(next.brute_force.per_account, running.brute_force.per_account, same_budget,
               "brute_force.per_account", changed);
  keep_running(next.brute_force.lock_after, running.brute_force.lock_after, equal<int>,
               "brute_force.lock_after", changed);
  keep_running(next.brute_force.lock_duration, running.brute_force.lock_duration, equal<Duration>,
               "brute_force.lock_duration", changed);
  keep_running(next.brute_force.lock_duration_max, running.brute_force.lock_duration_max,
               equal<Duration>, "brute_force.lock_duration_max", changed);
  // The self-service page is built once at start-up (its endpoint, sessions' lifetimes).
  keep_running(
      next.self_service, running.self_service,
      [](const SelfService& a, const SelfService& b) {
        return std::tie(a.enabled, a.host, a.path_prefix, a.session_idle, a.session_max,
                        a.secure_cookie) == std::tie(b.enabled, b.host, b.path_prefix,
                                                     b.session_idle, b.session_max,
                                                     b.secure_cookie);
      },
      "self_service", changed);
  // The pruning of `latchkey serve`'s flush thread is set up once, with its cut-off.
  keep_running(next.audit.retention, running.audit.retention, equal<std::optional<Duration>>,
               "audit.retention", changed);
  return ReloadPlan{std::move(next), std::move(changed)};
}

}  // namespace latchkey::config

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>

#include "app/allocator.hpp"
#include "app/cli_arguments.hpp"
#include "app/commands.hpp"
#include "app/database_probe.hpp"
#include "app/descriptor_limit.hpp"
#include "app/serve_metrics.hpp"
#include "auth/authenticator.hpp"
#include "auth/failure_budget.hpp"
#include "auth/keyed_hash.hpp"
#include "auth/password_hash.hpp"
#include "auth/random.hpp"
#include "auth/verified_cache.hpp"
#include "db/audit_log.hpp"
#include "db/audit_retention.hpp"
#include "db/connection_pool.hpp"
#include "db/credential_change_listener.hpp"
#include "db/migrations.hpp"
#include "db/pg_credential_store.hpp"
#include "db/pg_token_store.hpp"
#include "db/token_use_recorder.hpp"
#include "db/usage_recorder.hpp"
#include "proxy/descriptor_budget.hpp"
#include "proxy/memory_reclaimer.hpp"
#include "proxy/oauth_endpoint.hpp"
#include "proxy/server.hpp"
#include "web/account_endpoint.hpp"

namespace latchkey::app {

namespace {

constexpr auto kUsageFlushInterval = std::chrono::seconds(1);
// Often enough that memory freed after a burst goes back within seconds; a round costs
// well under a millisecond.
constexpr auto kMemoryReclaimInterval = std::chrono::seconds(2);
// As the recorders wait for a pooled connection: the pool is shared with request lookups.
constexpr auto kAuditPruneAcquireWait = std::chrono::seconds(2);

// Flushes last-used records and audit events on its own thread, so the request path only
// touches memory; between flushes it deletes audit events past their retention, if any.
class UsageFlusher {
 public:
  UsageFlusher(db::UsageRecorder& recorder, db::TokenUseRecorder& tokens, db::AuditLog& audit,
               db::AuditRetention* retention, proxy::LogSink& log, proxy::Metrics& metrics)
      : recorder_(recorder),
        tokens_(tokens),
        audit_(audit),
        retention_(retention),
        log_(log),
        metrics_(metrics),
        thread_([this] { run(); }) {}
  ~UsageFlusher() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      const bool stop = wake_.wait_for(lock, kUsageFlushInterval, [this] { return stopping_; });
      lock.unlock();
      // Each on its own: one failing must not hold back the other.
      try {
        recorder_.flush();
      } catch (const std::exception& e) {
        log_.event("warning", "usage_flush_failed", {{"error", e.what()}});
      }
      try {
        tokens_.flush();
      } catch (const std::exception& e) {
        log_.event("warning", "token_use_flush_failed", {{"error", e.what()}});
      }
      try {
        audit_.flush();
      } catch (const std::exception& e) {
        log_.event("warning", "audit_flush_failed", {{"error", e.what()}});
      }
      if (retention_ != nullptr && !stop) prune();
      lock.lock();
      if (stop) return;
    }
  }

  void prune() {
    try {
      const auto step = retention_->step(std::chrono::steady_clock::now());
      if (step.deleted > 0) {
        metrics_.increment("latchkey_audit_events_pruned_total", {}, step.deleted);
      }
      if (step.round_deleted.value_or(0) > 0) {
        log_.event("info", "audit_pruned", {{"deleted", *step.round_deleted}});
      }
    } catch (const std::exception& e) {
      log_.event("warning", "audit_prune_failed", {{"error", e.what()}});
    }
  }

  db::UsageRecorder& recorder_;
  db::TokenUseRecorder& tokens_;
  db::AuditLog& audit_;
  db::AuditRetention* retention_;  // nullptr: events are kept forever
  proxy::LogSink& log_;
  proxy::Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

int command_serve(Invocation& invocation) {
  const CliArguments arguments(invocation.args, {});
  if (arguments.help()) {
    invocation.out << "usage: latchkey [--config FILE] serve\n"
                      "Runs the proxy until SIGINT or SIGTERM. Logs are JSON lines on stdout.\n";
    return kExitOk;
  }
  arguments.positionals({});
  proxy::tune_malloc_for_serving();
  auto config = std::make_shared<const config::Config>(load_invocation_config(invocation));
  // A log reader that goes away must not kill the proxy: writes then fail instead.
  std::signal(SIGPIPE, SIG_IGN);
  proxy::LogSink log(stdout);
  log.event("info", "starting", {{"config", config->source}, {"allocator", allocator_name()}});
  const std::uint64_t descriptors = raise_descriptor_limit();
  std::uint64_t pooled = 0;  // at most: routes sharing an upstream share its pool
  for (const config::Route& route : config->routes) pooled += route.upstream.max_idle_connections;
  pooled *= static_cast<std::uint64_t>(proxy::io_thread_count(config->server));  // per thread
  if (const std::uint64_t fits = proxy::connections_within(descriptors, pooled);
      config->server.max_connections > fits) {
    // Past it, upstream connects fail (EMFILE) and every user gets 502.
    log.event("warning", "descriptor_limit_low",
              {{"open_files_limit", descriptors},
               {"max_connections", config->server.max_connections},
               {"connections_it_carries", fits},
               {"detail", "raise the hard open-file limit (LimitNOFILE=, ulimit -Hn) or lower "
                          "server.max_connections"}});
  }

  db::ConnectionPool pool(config->database.url, config->database.pool_size);
  if (config->database.migrate_on_start) {
    const auto applied = pool.run(std::chrono::seconds(30),
                                  [](pqxx::connection& c) { return db::apply_migrations(c); });
    log.event("info", "migrated", {{"applied", applied.size()}});
  }
  db::PgCredentialStore store(pool);
  db::UsageRecorder usage(pool);
  db::TokenUseRecorder token_usage(pool);
  const auth::KeyedHasher hasher(config->secrets.pepper);
  db::AuditLog audit_log(pool, hasher);
  const config::BruteForce& limits = config->brute_force;
  auth::Authenticator authenticator(
      store, hasher,
      auth::LockPolicy{limits.lock_after, limits.lock_duration, limits.lock_duration_max},
      auth::Authenticator::FailureRecording::deferred);
  auth::FailureBudgets address_budgets(
      auth::FailureBudgetLimits{limits.per_address.burst, limits.per_address.per_minute});
  auth::FailureBudgets account_budgets(
      auth::FailureBudgetLimits{limits.per_account.burst, limits.per_account.per_minute});
  // The cache key lives only in this process: cache digests are useless anywhere else.
  auth::VerifiedCache cache(auth::random_bytes(32), config->cache.ttl, config->cache.max_entries);
  proxy::MemoryReclaimer reclaimer(cache, kMemoryReclaimInterval);
  (void)auth::dummy_password_hash();  // pay the one-off Argon2 cost before the first request
  // Revocations, password changes, disabling and TOTP changes made anywhere (the CLI, another
  // replica) drop the user's cached credentials at once; after a lost connection everything
  // goes, since notifications may have been missed.
  // Until the listener is in place, and whenever it is lost, entries live at most
  // ttl_unsynced: a revocation made meanwhile would not reach this process.
  const auto unsynced_age = std::min(config->cache.ttl, config->cache.ttl_unsynced);
  cache.limit_age(unsynced_age);
  db::CredentialChangeListener listener(
      config->database.url, [&cache](std::int64_t user_id) { cache.erase_user(user_id); },
      [&cache, &log] {
        cache.clear();
        cache.lift_age_limit();
        log.event("info", "credential_listener_synced");
      },
      [&cache, &log, unsynced_age](const std::string& error) {
        cache.limit_age(unsynced_age);
        log.event("warning", "credential_listener", {{"error", error}});
      });

  // Destroyed before the server: queued jobs own coroutine frames that post to its loops.
  std::optional<proxy::BlockingPool> verify_pool;
  verify_pool.emplace(config->server.verify_workers, config->server.verify_queue);
  proxy::UpstreamPool upstreams;
  proxy::Metrics metrics;
  auto routing = std::make_shared<const proxy::Routing>(config);
  proxy::InflightAttempts inflight;
  proxy::Gateway gateway{routing,   authenticator, cache, address_budgets, account_budgets,
                         inflight,
                         *verify_pool, upstreams,
                         log,       metrics,       [&usage](proxy::AppPasswordUse use) {
                           usage.record(use.app_password_id, std::move(use.client_address),
                                        std::move(use.user_agent));
                         },
                         [&audit_log](proxy::RefusedLogin refusal) {
                           audit_log.record_refused_login(std::move(refusal.username),
                                                          std::move(refusal.client_address),
                                                          std::move(refusal.reason));
                         },
                         /*database_ready=*/{}, /*change_listener_connected=*/{},
                         /*local_endpoints=*/{},
                         [&token_usage](proxy::TokenUse use) {
                           token_usage.record(use.token_id, std::move(use.client_address));
                         }};
  db::PgTokenStore token_store(pool);
  if (config->oauth.enabled) {
    gateway.local_endpoints.push_back(
        std::make_shared<proxy::OAuthEndpoint>(config->oauth, token_store, store, hasher));
  }
  // The self-service page (web/), answered ahead of the routes on the proxy listener.
  std::optional<web::AccountService> account_service;
  if (config->self_service.enabled) {
    account_service.emplace(
        pool, authenticator, hasher, auth::SecretBox(config->secrets.totp_key),
        db::SessionLifetime{config->self_service.session_idle, config->self_service.session_max});
    gateway.local_endpoints.push_back(
        std::make_shared<web::AccountEndpoint>(config->self_service, *account_service));
  }
  DatabaseProbe database_probe(pool);
  gateway.database_ready = [&database_probe] { return database_probe.healthy(); };
  gateway.change_listener_connected = [&listener] { return listener.connected(); };
  add_serve_metrics(metrics, {cache, pool, upstreams, [&verify_pool] { return verify_pool->pending(); },
                              [&listener] { return listener.connected(); }});
  std::optional<db::AuditRetention> audit_retention;
  if (const auto retention = config->audit.retention) {
    audit_retention.emplace([&pool, older_than = *retention](std::size_t max_rows) {
      return pool.run(kAuditPruneAcquireWait, [&](pqxx::connection& connection) {
        return db::delete_old_audit_events(connection, older_than, max_rows);
      });
    });
    metrics.increment("latchkey_audit_events_pruned_total", {}, 0);  // 0 until a first delete
  }
  UsageFlusher flusher(usage, token_usage, audit_log, audit_retention ? &*audit_retention : nullptr,
                       log, metrics);
  proxy::Server server(gateway, routing);
  server.run();
  // The idle sockets belong to the server's io_context, which dies first (found by ASan).
  upstreams.close_idle();
  verify_pool.reset();
  log.event("info", "stopped");
  return kExitOk;
}

}  // namespace latchkey::app

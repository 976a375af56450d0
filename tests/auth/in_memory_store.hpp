// A CredentialStore in memory for unit tests: counts every call and can be told to fail.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/credential_store.hpp"
#include "auth/keyed_hash.hpp"

namespace latchkey::auth::testing {

class InMemoryStore : public CredentialStore {
 public:
  enum class Failure { none, store_unavailable, runtime_error, non_standard };

  explicit InMemoryStore(const KeyedHasher& hasher) : hasher_(hasher) {}

  UserRecord& add_user(UserRecord user) {
    users_.push_back(std::move(user));
    return users_.back();
  }

  UserRecord* user(std::int64_t id) {
    for (UserRecord& u : users_) {
      if (u.id == id) return &u;
    }
    return nullptr;
  }

  // Stores the digest exactly as db/ does: the "app_password" label over the canonical form.
  void add_app_password(std::int64_t user_id, std::int64_t id, std::string name,
                        const std::string& canonical) {
    app_passwords_[hasher_.digest("app_password", canonical)] = {id, std::move(name), user_id};
  }

  // Stores a token's digest as db/ does: the kind's label over the token as given.
  void add_token(std::int64_t user_id, std::int64_t id, std::string name, const std::string& token,
                 Scopes scopes = std::nullopt) {
    const TokenKind kind = parse_token(token).value();
    tokens_[hasher_.digest(token_digest_label(kind), token)] = {id, kind, std::move(name),
                                                                std::move(scopes), user_id};
  }

  std::optional<TokenMatch> find_token(const Digest& digest) override {
    ++find_token_calls;
    fail_if_asked();
    const auto it = tokens_.find(digest);
    if (it == tokens_.end()) return std::nullopt;
    const UserRecord* owner = user(it->second.user_id);
    if (owner == nullptr) return std::nullopt;
    TokenMatch match;
    match.id = it->second.id;
    match.kind = it->second.kind;
    match.name = it->second.name;
    match.scopes = it->second.scopes;
    match.user = *owner;
    return match;
  }

  std::optional<UserRecord> find_user(std::string_view username) override {
    ++find_user_calls;
    fail_if_asked();
    for (const UserRecord& u : users_) {
      if (fold(u.username) == fold(username)) return u;
    }
    return std::nullopt;
  }

  std::optional<AppPasswordMatch> find_app_password(const Digest& hash) override {
    ++find_app_password_calls;
    fail_if_asked();
    const auto it = app_passwords_.find(hash);
    if (it == app_passwords_.end()) return std::nullopt;
    const UserRecord* owner = user(it->second.user_id);
    if (owner == nullptr) return std::nullopt;
    return AppPasswordMatch{it->second.id, it->second.name, *owner, std::nullopt};
  }

  // The same rules as db::PgCredentialStore, with this process's clock.
  LockState record_failed_login(std::int64_t user_id, const LockPolicy& policy) override {
    ++record_failed_login_calls;
    fail_if_asked();
    if (fail_writes) throw StoreUnavailable("database is read-only");
    UserRecord* u = user(user_id);
    if (u == nullptr) return {};
    const auto now = std::chrono::system_clock::now();
    if (u->locked_until && *u->locked_until > now) return {u->failed_logins, u->locked_until};
    LockState state;
    if (++u->failed_logins >= policy.lock_after) {
      const auto doubled = policy.lock_duration * (std::int64_t{1} << std::min(u->lock_count, 30));
      u->locked_until = now + std::min(doubled, policy.lock_duration_max);
      u->failed_logins = 0;
      ++u->lock_count;
      state.locked_until = u->locked_until;
      state.locked_now = true;
      locked_events.push_back(user_id);
    }
    state.failed_logins = u->failed_logins;
    return state;
  }

  void record_successful_login(std::int64_t user_id) override {
    ++record_successful_login_calls;
    fail_if_asked();
    if (fail_writes) throw StoreUnavailable("database is read-only");
    if (UserRecord* u = user(user_id)) {
      u->failed_logins = 0;
      u->lock_count = 0;
    }
  }

  int calls() const { return find_user_calls + find_app_password_calls; }
  int writes() const { return record_failed_login_calls + record_successful_login_calls; }

  int find_user_calls = 0;
  int find_app_password_calls = 0;
  int find_token_calls = 0;
  int record_failed_login_calls = 0;
  int record_successful_login_calls = 0;
  std::vector<std::int64_t> locked_events;  // user ids, one per `account.locked` audit row
  Failure failure = Failure::none;
  bool fail_writes = false;  // lookups work, the lock bookkeeping fails

 private:
  struct AppPassword {
    std::int64_t id;
    std::string name;
    std::int64_t user_id;
  };

  static std::string fold(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    return out;
  }

  void fail_if_asked() const {
    switch (failure) {
      case Failure::none:
        return;
      case Failure::store_unavailable:
        throw StoreUnavailable("database is down");
      case Failure::runtime_error:
        throw std::runtime_error("connection reset");
      case Failure::non_standard:
        throw 42;
    }
  }

  struct Token {
    std::int64_t id;
    TokenKind kind;
    std::string name;
    Scopes scopes;
    std::int64_t user_id;
  };

  const KeyedHasher& hasher_;
  std::map<Digest, Token> tokens_;
  std::vector<UserRecord> users_;
  std::map<Digest, AppPassword> app_passwords_;
};

}  // namespace latchkey::auth::testing

#include "proxy/oauth_endpoint.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <variant>

#include "auth/authenticator.hpp"
#include "auth/authorization_header.hpp"
#include "auth/failure_budget.hpp"
#include "auth/token.hpp"
#include "proxy/authenticate_request.hpp"
#include "proxy/form_body.hpp"
#include "proxy/gateway.hpp"
#include "proxy/oauth_reply.hpp"
#include "proxy/over_budget_hold.hpp"

namespace latchkey::proxy {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kClientRealm = "latchkey-oauth";
constexpr std::string_view kWrongCredentials = "the username or password is wrong";
constexpr std::string_view kBadRefreshToken = "the refresh token is invalid, expired or revoked";
// The name OAuth tokens carry when an account password (not an application password) made them.
constexpr std::string_view kAccountPasswordGrantName = "account password";

EndpointResult answer(LocalResponse response, std::string reason = {}, std::string user = {}) {
  EndpointResult result;
  result.response = std::move(response);
  result.reason = std::move(reason);
  result.user = std::move(user);
  return result;
}

EndpointResult error(OAuthError code, std::string_view description, std::string reason,
                     std::optional<std::string_view> basic_realm = std::nullopt) {
  return answer(oauth_error(code, description, basic_realm), std::move(reason));
}

EndpointResult retry_later(bool unavailable, std::chrono::milliseconds wait, std::string reason) {
  return answer(oauth_retry_later(unavailable, std::chrono::ceil<std::chrono::seconds>(wait)),
                std::move(reason));
}

// A spent failure budget: 429, held by the session as the proxy's (brute_force.over_budget_delay).
EndpointResult over_budget(std::chrono::milliseconds wait, std::string reason) {
  EndpointResult result = retry_later(false, wait, std::move(reason));
  result.over_budget = retry_after_for(wait);
  return result;
}

// A locked account (DESIGN.md §5.5): 429 until the lock ends, never invalid_grant, which would
// make a client discard a refresh token that works again once the lock is over.
EndpointResult locked_out(std::optional<std::chrono::system_clock::time_point> locked_until,
                          std::string reason) {
  const auto now = std::chrono::system_clock::now();
  return retry_later(
      false,
      std::chrono::duration_cast<std::chrono::milliseconds>(locked_until.value_or(now) - now),
      std::move(reason));
}

// The tokens.client_id column's limit (db/migrations/0004_tokens.sql).
constexpr std::size_t kMaxClientIdLength = 200;

// RFC 6749 Appendix A.1: client-id = *VSCHAR (%x20-7E); longer than the column is no client.
bool valid_client_id(std::string_view id) {
  return id.size() <= kMaxClientIdLength &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return c >= 0x20 && c <= 0x7e; });
}

// Scopes a client may ask for, on top of what the credential carries.
auth::Scopes intersect(const auth::Scopes& a, const std::optional<std::vector<std::string>>& b) {
  if (!b) return a;
  if (!a) return *b;
  std::vector<std::string> both;
  std::set_intersection(a->begin(), a->end(), b->begin(), b->end(), std::back_inserter(both));
  return both;
}

std::chrono::seconds whole_seconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d);
}

long long unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The "scope" parameter (RFC 6749 §3.3): nullopt when absent; `ok` false when malformed.
auth::Scopes requested_scopes(const FormFields& fields, bool& ok) {
  ok = true;
  const auto scope = fields.get("scope");
  if (!scope) return std::nullopt;
  auto scopes = auth::parse_scope_list(*scope);
  ok = scopes.has_value();
  return scopes;
}

// A new access and refresh token: the tokens for the answer, their digests for the store.
struct FreshPair {
  std::string access;
  std::string refresh;
  auth::NewPair stored;
};

FreshPair fresh_pair(const auth::KeyedHasher& hasher, const config::OAuth& config) {
  FreshPair fresh{auth::generate_token(auth::TokenKind::access),
                  auth::generate_token(auth::TokenKind::refresh),
                  {}};
  fresh.stored = {hasher.digest(auth::token_digest_label(auth::TokenKind::access), fresh.access),
                  config.access_token_ttl,
                  hasher.digest(auth::token_digest_label(auth::TokenKind::refresh), fresh.refresh),
                  config.refresh_token_ttl};
  return fresh;
}

}  // namespace

struct OAuthEndpoint::Form {
  FormFields fields;
  std::optional<std::string> client_id;
  const config::OAuthClient* client = nullptr;  // set when the registry knows client_id
  bool tried_basic = false;
};

OAuthEndpoint::OAuthEndpoint(config::OAuth config, auth::TokenStore& tokens,
                             auth::CredentialStore& credentials, const auth::KeyedHasher& hasher)
    : config_(std::move(config)), tokens_(tokens), credentials_(credentials), hasher_(hasher) {}

bool OAuthEndpoint::matches(std::string_view path) const {
  return path == config_.token_path || path == config_.revoke_path ||
         (config_.introspection && path == config_.introspect_path);
}

asio::awaitable<EndpointResult> OAuthEndpoint::handle(Gateway& gateway, EndpointRequest request) {
  const auto& message = request.message;
  if (message.method() != http::verb::post) {
    co_return answer(oauth_method_not_allowed(), "oauth_method_not_allowed");
  }
  if (!is_form_content_type(message[http::field::content_type])) {
    co_return error(OAuthError::invalid_request,
                    "the body must be application/x-www-form-urlencoded", "oauth_content_type");
  }
  auto parsed = parse_form(message.body());
  if (auto* problem = std::get_if<FormError>(&parsed)) {
    co_return error(OAuthError::invalid_request, problem->description, "oauth_malformed_form");
  }
  Form form;
  form.fields = std::move(std::get<FormFields>(parsed));
  if (request.path == config_.introspect_path && config_.introspection) {
    co_return co_await introspect(gateway, request, form);
  }
  if (request.path == config_.revoke_path) co_return co_await revoke(gateway, request, form);
  co_return co_await token(gateway, request, form);
}

asio::awaitable<EndpointResult> OAuthEndpoint::token(Gateway& gateway,
                                                     const EndpointRequest& request,
                                                     const Form& form_in) {
  Form form = form_in;
  form.client_id = form.fields.get("client_id");
  // Public clients have no secret (RFC 6749 §2.1); one that identifies itself with Basic sends
  // its client_id as the user-id and an empty password (§2.3.1).
  if (const auto field = request.message.find(http::field::authorization);
      field != request.message.end()) {
    form.tried_basic = true;
    const auto parsed = auth::parse_authorization(field->value());
    const auto* basic = std::get_if<auth::BasicCredentials>(&parsed);
    if (basic == nullptr || !basic->password.empty() || basic->username.empty()) {
      co_return error(OAuthError::invalid_client, "client authentication failed",
                      "oauth_invalid_client", kClientRealm);
    }
    if (form.client_id && *form.client_id != basic->username) {
      co_return error(OAuthError::invalid_request,
                      "client_id differs between the body and the Authorization header",
                      "oauth_client_id_mismatch");
    }
    form.client_id = basic->username;
  }
  // Malformed is no failed client authentication (§5.2 invalid_client), whatever the registry.
  if (form.client_id && !valid_client_id(*form.client_id)) {
    co_return error(OAuthError::invalid_request,
                    "client_id must be at most " + std::to_string(kMaxClientIdLength) +
                        " printable ASCII characters",
                    "oauth_malformed_client_id");
  }
  const auto basic_realm =
      form.tried_basic ? std::optional<std::string_view>(kClientRealm) : std::nullopt;
  if (!config_.clients.empty()) {
    if (!form.client_id) {
      co_return error(OAuthError::invalid_client, "client_id is required", "oauth_invalid_client",
                      basic_realm);
    }
    const auto it =
        std::find_if(config_.clients.begin(), config_.clients.end(),
                     [&](const config::OAuthClient& c) { return c.id == *form.client_id; });
    if (it == config_.clients.end()) {
      co_return error(OAuthError::invalid_client, "unknown client_id", "oauth_invalid_client",
                      basic_realm);
    }
    form.client = &*it;
  }
  const auto grant_type = form.fields.get("grant_type");
  if (!grant_type) {
    co_return error(OAuthError::invalid_request, "grant_type is required",
                    "oauth_missing_grant_type");
  }
  if (*grant_type == "password") {
    if (form.client && !form.client->password_grant) {
      co_return error(OAuthError::unauthorized_client, "this client may not use the password grant",
                      "oauth_unauthorized_client");
    }
    co_return co_await password_grant(gateway, request, form);
  }
  if (*grant_type == "refresh_token") {
    if (form.client && !form.client->refresh_token_grant) {
      co_return error(OAuthError::unauthorized_client,
                      "this client may not use the refresh_token grant",
                      "oauth_unauthorized_client");
    }
    co_return co_await refresh_grant(gateway, request, form);
  }
  co_return error(OAuthError::unsupported_grant_type,
                  "grant_type must be password or refresh_token", "oauth_unsupported_grant_type");
}

asio::awaitable<EndpointResult> OAuthEndpoint::password_grant(Gateway& gateway,
                                                              const EndpointRequest& request,
                                                              const Form& form) {
  const auto username = form.fields.get("username");
  const auto password = form.fields.get("password");
  if (!username || !password) {
    co_return error(OAuthError::invalid_request, "username and password are required",
                    "oauth_missing_credentials");
  }
  bool scope_ok = false;
  const auth::Scopes requested = requested_scopes(form.fields, scope_ok);
  if (!scope_ok) {
    co_return error(OAuthError::invalid_scope, "scope is malformed", "oauth_invalid_scope");
  }
  if (requested && form.client && form.client->scopes &&
      !auth::scopes_cover(*form.client->scopes, *requested)) {
    co_return error(OAuthError::invalid_scope, "this client may not ask for these scopes",
                    "oauth_invalid_scope");
  }

  // The same budgets as Basic auth (DESIGN.md §5.5): checked first, reserved before verifying.
  const auto now = auth::FailureBudgets::Clock::now();
  const std::string address = auth::address_key(request.client_address);
  const std::string account = auth::account_key(*username);
  if (auto wait = gateway.address_budgets.exhausted(address, now)) {
    co_return over_budget(*wait, "address_over_budget");
  }
  if (auto wait = gateway.account_budgets.exhausted(account, now)) {
    co_return over_budget(*wait, "account_over_budget");
  }
  if (!gateway.address_budgets.try_spend(address, now)) {
    co_return over_budget(std::chrono::seconds(1), "address_over_budget");
  }
  if (!gateway.account_budgets.try_spend(account, now)) {
    gateway.address_budgets.refund(address, now);
    co_return over_budget(std::chrono::seconds(1), "account_over_budget");
  }

  // deny_if_totp even where account passwords are refused, so that a TOTP account's right
  // password still gets the hint; a non-TOTP account's is refused below.
  auth::Policy policy;
  policy.accept_app_password = true;
  policy.account_password = auth::AccountPasswordPolicy::deny_if_totp;
  auth::Authenticator& authenticator = gateway.authenticator;
  const auth::BasicCredentials credentials{*username, *password};
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  auto verify = [&authenticator, credentials, policy] {
    return authenticator.verify(credentials, policy);
  };
  auto decision = co_await gateway.verify_pool.run(std::move(verify));
  if (!decision) {
    settle_budgets(gateway, auth::DenyReason::store_unavailable, address, account, now);
    co_return retry_later(true, std::chrono::seconds(5), "verify_queue_full");
  }
  settle_budgets(gateway, decision->reason, address, account, now);
  if (decision->failed_user_id) {
    gateway.verify_pool.post(
        [&authenticator, id = *decision->failed_user_id] { authenticator.record_failure(id); });
  }
  auto refused = [&](auth::DenyReason reason) {
    if (gateway.record_refusal) {
      gateway.record_refusal(
          RefusedLogin{*username, request.client_address, std::string(auth::to_string(reason))});
    }
  };
  if (!decision->allowed()) {
    const auth::DenyReason reason = decision->reason;
    refused(reason);
    const std::string why = "oauth_" + std::string(auth::to_string(reason));
    switch (reason) {
      case auth::DenyReason::totp_requires_app_password:
        co_return error(OAuthError::invalid_grant, kUseAppPasswordHint, why);
      case auth::DenyReason::account_locked:
        co_return locked_out(decision->locked_until, why);
      case auth::DenyReason::store_unavailable:
        co_return retry_later(true, std::chrono::seconds(5), why);
      default:
        co_return error(OAuthError::invalid_grant, kWrongCredentials, why);
    }
  }
  const auth::Identity& identity = *decision->identity;
  if (identity.credential == auth::CredentialType::account_password &&
      !config_.allow_account_password) {
    // The password was right, so saying what is wrong leaks nothing (as with the TOTP hint).
    refused(auth::DenyReason::account_password_denied);
    co_return error(OAuthError::invalid_grant,
                    "account passwords cannot be used here; log in with an application password",
                    "oauth_account_password_denied");
  }
  bool ok = true;
  const auth::Scopes granted = auth::narrow_scopes(
      intersect(identity.scopes, form.client ? form.client->scopes : std::nullopt), requested, ok);
  if (!ok) {
    co_return error(OAuthError::invalid_scope, "the credential does not carry these scopes",
                    "oauth_invalid_scope");
  }

  auth::TokenGrant grant;
  grant.user_id = identity.user_id;
  grant.username = identity.username;
  grant.app_password_id = identity.app_password_id;
  grant.name = identity.app_password_id ? identity.app_password_name
                                        : std::string(kAccountPasswordGrantName);
  grant.scopes = granted;
  grant.client_id = form.client_id;
  if (identity.credential == auth::CredentialType::account_password) {
    grant.checked_password_hash = decision->checked_password_hash;
  }
  const FreshPair fresh = fresh_pair(hasher_, config_);
  auth::TokenStore& tokens = tokens_;
  const std::string source = request.client_address;
  enum class Issued { stored, outdated, failed };
  auto issue = [&tokens, grant, pair = fresh.stored, source] {
    try {
      return tokens.issue_pair(grant, pair, source) ? Issued::stored : Issued::outdated;
    } catch (...) {
      return Issued::failed;
    }
  };
  const auto issued = co_await gateway.verify_pool.run(std::move(issue));
  if (!issued || *issued == Issued::failed) {
    co_return retry_later(true, std::chrono::seconds(5), "store_unavailable");
  }
  if (*issued == Issued::outdated) {
    // The password changed (or TOTP came on) while this grant was checked: no longer right.
    co_return error(OAuthError::invalid_grant, kWrongCredentials, "oauth_grant_outdated");
  }
  co_return answer(
      oauth_tokens(fresh.access, whole_seconds(config_.access_token_ttl), fresh.refresh, granted),
      {}, identity.username);
}

asio::awaitable<EndpointResult> OAuthEndpoint::refresh_grant(Gateway& gateway,
                                                             const EndpointRequest& request,
                                                             const Form& form) {
  const auto presented = form.fields.get("refresh_token");
  if (!presented) {
    co_return error(OAuthError::invalid_request, "refresh_token is required",
                    "oauth_missing_refresh_token");
  }
  bool scope_ok = false;
  const auth::Scopes requested = requested_scopes(form.fields, scope_ok);
  if (!scope_ok) {
    co_return error(OAuthError::invalid_scope, "scope is malformed", "oauth_invalid_scope");
  }
  // A refresh token names no account until it is found: only the address budget applies.
  const auto now = auth::FailureBudgets::Clock::now();
  const std::string address = auth::address_key(request.client_address);
  if (auto wait = gateway.address_budgets.exhausted(address, now)) {
    co_return over_budget(*wait, "address_over_budget");
  }
  if (!gateway.address_budgets.try_spend(address, now)) {
    co_return over_budget(std::chrono::seconds(1), "address_over_budget");
  }
  // The check suffix rejects typos and other kinds without a query; the address pays.
  if (auth::parse_token(*presented) != auth::TokenKind::refresh) {
    co_return error(OAuthError::invalid_grant, kBadRefreshToken, "oauth_not_a_refresh_token");
  }
  const FreshPair fresh = fresh_pair(hasher_, config_);
  const auth::Digest digest =
      hasher_.digest(auth::token_digest_label(auth::TokenKind::refresh), *presented);
  auth::TokenStore& tokens = tokens_;
  const std::string source = request.client_address;
  const std::optional<std::string> client_id = form.client_id;
  auto exchange = [&tokens, digest, client_id, requested, pair = fresh.stored,
                   source]() -> std::optional<auth::RefreshResult> {
    try {
      return tokens.refresh(digest, client_id, requested, pair, source);
    } catch (...) {
      return std::nullopt;
    }
  };
  const auto result = co_await gateway.verify_pool.run(std::move(exchange));
  if (!result || !*result) {
    gateway.address_budgets.refund(address, now);
    co_return retry_later(true, std::chrono::seconds(5), "store_unavailable");
  }
  const auth::RefreshResult& outcome = **result;
  switch (outcome.status) {
    case auth::RefreshStatus::unknown:
      co_return error(OAuthError::invalid_grant, kBadRefreshToken, "oauth_unknown_refresh_token");
    case auth::RefreshStatus::reused:
      gateway.log.event("warning", "refresh_token_reused",
                        {{"user", outcome.grant.username},
                         {"name", outcome.grant.name},
                         {"client", request.client_address}});
      co_return error(OAuthError::invalid_grant,
                      "the refresh token was already used; every token of this grant is revoked",
                      "oauth_refresh_token_reused");
    case auth::RefreshStatus::inactive:
      co_return error(OAuthError::invalid_grant, kBadRefreshToken, "oauth_inactive_refresh_token");
    default:
      break;
  }
  // Found and live: no guess, whatever the rest of the answer is.
  gateway.address_budgets.refund(address, now);
  switch (outcome.status) {
    case auth::RefreshStatus::client_mismatch:
      co_return error(OAuthError::invalid_grant, "the refresh token was issued to another client",
                      "oauth_client_mismatch");
    case auth::RefreshStatus::scope_exceeded:
      co_return error(OAuthError::invalid_scope, "the scope exceeds the original grant",
                      "oauth_invalid_scope");
    case auth::RefreshStatus::account_refused:
      co_return error(OAuthError::invalid_grant, "the account is disabled",
                      "oauth_account_refused");
    case auth::RefreshStatus::account_locked:
      co_return locked_out(outcome.locked_until, "oauth_account_locked");
    default:
      break;
  }
  co_return answer(oauth_tokens(fresh.access, whole_seconds(config_.access_token_ttl),
                                fresh.refresh, outcome.grant.scopes),
                   {}, outcome.grant.username);
}

asio::awaitable<EndpointResult> OAuthEndpoint::revoke(Gateway& gateway,
                                                      const EndpointRequest& request,
                                                      const Form& form) {
  const auto token = form.fields.get("token");
  if (!token)
    co_return error(OAuthError::invalid_request, "token is required", "oauth_missing_token");
  // Each lookup is a write transaction on the verify pool: a spent address gets none.
  const auto now = auth::FailureBudgets::Clock::now();
  const std::string address = auth::address_key(request.client_address);
  if (auto wait = gateway.address_budgets.exhausted(address, now)) {
    co_return over_budget(*wait, "address_over_budget");
  }
  // RFC 7009 §2.2: an invalid or unknown token is answered 200 all the same.
  const auto kind = auth::parse_token(*token);
  if (!kind) co_return answer(oauth_json({}));  // no query, so no charge
  if (!gateway.address_budgets.try_spend(address, now)) {
    co_return over_budget(std::chrono::seconds(1), "address_over_budget");
  }
  const auth::Digest digest = hasher_.digest(auth::token_digest_label(*kind), *token);
  auth::TokenStore& tokens = tokens_;
  const std::string source = request.client_address;
  enum class Revoked { found, unknown, failed };
  auto revoke_token = [&tokens, digest, source] {
    try {
      return tokens.revoke(digest, source) ? Revoked::found : Revoked::unknown;
    } catch (...) {
      return Revoked::failed;
    }
  };
  const auto revoked = co_await gateway.verify_pool.run(std::move(revoke_token));
  // An unknown token is a failure like a wrong password; a found one, or no answer, is none.
  if (!revoked || *revoked != Revoked::unknown) gateway.address_budgets.refund(address, now);
  // RFC 7009 §2.2.1: 503 tells the client to retry later; the token may still be live.
  if (!revoked || *revoked == Revoked::failed)
    co_return retry_later(true, std::chrono::seconds(5), "store_unavailable");
  co_return answer(oauth_json({}));
}

asio::awaitable<EndpointResult> OAuthEndpoint::introspect(Gateway& gateway,
                                                          const EndpointRequest& request,
                                                          const Form& form) {
  // RFC 7662 §2.1: the caller authenticates; a wrong secret counts like any failed login.
  const auto now = auth::FailureBudgets::Clock::now();
  const std::string address = auth::address_key(request.client_address);
  if (auto wait = gateway.address_budgets.exhausted(address, now)) {
    co_return over_budget(*wait, "address_over_budget");
  }
  bool authenticated = false;
  if (const auto field = request.message.find(http::field::authorization);
      field != request.message.end()) {
    const auto parsed = auth::parse_authorization(field->value());
    if (const auto* basic = std::get_if<auth::BasicCredentials>(&parsed)) {
      const bool id_ok =
          auth::constant_time_equal(basic->username, config_.introspection->client_id);
      const bool secret_ok = auth::constant_time_equal(
          hasher_.digest("introspection_secret", basic->password),
          hasher_.digest("introspection_secret", config_.introspection->client_secret));
      authenticated = id_ok && secret_ok;
    }
  }
  if (!authenticated) {
    (void)gateway.address_budgets.try_spend(address, now);
    co_return error(OAuthError::invalid_client, "client authentication failed",
                    "oauth_introspection_unauthorized", kClientRealm);
  }
  const auto token = form.fields.get("token");
  if (!token)
    co_return error(OAuthError::invalid_request, "token is required", "oauth_missing_token");
  const boost::json::object inactive{{"active", false}};
  const auto kind = auth::parse_token(*token);
  // The callers are upstreams (resource servers), for which a refresh token is no credential:
  // one that checks only `active` must not take it as a Bearer token. No query either.
  if (!kind || *kind == auth::TokenKind::refresh) co_return answer(oauth_json(inactive));
  const auth::Digest digest = hasher_.digest(auth::token_digest_label(*kind), *token);
  auth::CredentialStore& store = credentials_;
  auto lookup = [&store, digest]() -> std::optional<std::optional<auth::TokenMatch>> {
    try {
      return store.find_token(digest);
    } catch (...) {
      return std::nullopt;
    }
  };
  const auto found = co_await gateway.verify_pool.run(std::move(lookup));
  if (!found || !*found) co_return retry_later(true, std::chrono::seconds(5), "store_unavailable");
  const std::optional<auth::TokenMatch>& match = **found;
  const bool locked = match && match->user.locked_until &&
                      *match->user.locked_until > std::chrono::system_clock::now();
  if (!match || match->kind != *kind || match->user.disabled || locked) {
    co_return answer(oauth_json(inactive));
  }
  boost::json::object body{{"active", true},
                           {"username", match->user.username},
                           {"sub", std::to_string(match->user.id)},
                           {"iat", unix_seconds(match->created_at)},
                           {"name", match->name},
                           {"latchkey_token_kind", auth::to_string(match->kind)}};
  body["token_type"] = "Bearer";
  if (match->scopes) body["scope"] = auth::join_scopes(*match->scopes);
  if (match->client_id) body["client_id"] = *match->client_id;
  if (match->expires_at) body["exp"] = unix_seconds(*match->expires_at);
  co_return answer(oauth_json(body));
}

}  // namespace latchkey::proxy

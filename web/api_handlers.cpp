#include "web/api_handlers.hpp"

#include <boost/json/array.hpp>

#include "auth/failure_budget.hpp"
#include "auth/scopes.hpp"
#include "db/errors.hpp"
#include "proxy/gateway.hpp"
#include "proxy/over_budget_hold.hpp"
#include "web/cookie.hpp"
#include "web/csrf.hpp"
#include "web/input_checks.hpp"
#include "web/responses.hpp"

namespace latchkey::web {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

using proxy::EndpointResult;

// The blocking pool's queue was full: 503, as for proxied requests.
struct Busy {};

template <typename T>
T take(std::optional<T> result) {
  if (!result) throw Busy{};
  return std::move(*result);
}

constexpr std::int64_t kMaxTokenDays = 3650;

// A malformed field: 400 with the message for the page.
struct BadField {
  std::string message;
};

std::string text_field(const json::object& body, std::string_view key, bool required = true) {
  const json::value* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) {
    if (required) throw BadField{"\"" + std::string(key) + "\" is required."};
    return {};
  }
  if (!value->is_string()) throw BadField{"\"" + std::string(key) + "\" must be a string."};
  return std::string(value->as_string());
}

bool bool_field(const json::object& body, std::string_view key, bool fallback) {
  const json::value* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (!value->is_bool()) throw BadField{"\"" + std::string(key) + "\" must be true or false."};
  return value->as_bool();
}

json::value time_or_null(const std::optional<db::Timestamp>& t) {
  if (!t) return nullptr;
  return json::string(db::to_iso8601(*t));
}

json::value text_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return json::string(*text);
}

json::object app_password_json(const db::AppPasswordInfo& p) {
  return json::object{
      {"id", p.id},
      {"name", p.name},
      {"state", db::to_string(p.state)},
      {"created_at", db::to_iso8601(p.created_at)},
      {"expires_at", time_or_null(p.expires_at)},
      {"revoked_at", time_or_null(p.revoked_at)},
      {"last_used_at", time_or_null(p.last_used_at)},
      {"last_used_from", text_or_null(p.last_used_from)},
      {"last_used_agent", text_or_null(p.last_used_agent)},
  };
}

json::value scopes_json(const auth::Scopes& scopes) {
  if (!scopes) return nullptr;  // every scope
  json::array array;
  for (const auto& scope : *scopes) array.emplace_back(scope);
  return array;
}

json::object token_json(const db::TokenInfo& t) {
  return json::object{
      {"id", t.id},
      {"name", t.name},
      {"state", db::to_string(t.state)},
      {"scopes", scopes_json(t.scopes)},
      {"created_at", db::to_iso8601(t.created_at)},
      {"expires_at", time_or_null(t.expires_at)},
      {"revoked_at", time_or_null(t.revoked_at)},
      {"last_used_at", time_or_null(t.last_used_at)},
      {"last_used_from", text_or_null(t.last_used_from)},
  };
}

// "expires_in_days": absent or null for a token that never expires, else 1 to 3650 (the CLI's
// --expires range).
std::optional<std::chrono::milliseconds> lifetime_field(const json::object& body) {
  const json::value* value = body.if_contains("expires_in_days");
  if (value == nullptr || value->is_null()) return std::nullopt;
  // Numbers above int64's range parse as uint64: out of range as well.
  if (!value->is_int64() || value->as_int64() < 1 || value->as_int64() > kMaxTokenDays) {
    throw BadField{"\"expires_in_days\" must be a whole number from 1 to 3650, or left out."};
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::days(value->as_int64()));
}

// "scopes": absent or null for every scope, else a non-empty array of scope names.
auth::Scopes scopes_field(const json::object& body) {
  const json::value* value = body.if_contains("scopes");
  if (value == nullptr || value->is_null()) return std::nullopt;
  constexpr std::string_view kMessage =
      "\"scopes\" must be a list of scope names (like tracker:read), or left out for every "
      "scope.";
  if (!value->is_array() || value->as_array().empty()) throw BadField{std::string(kMessage)};
  std::string joined;
  for (const json::value& scope : value->as_array()) {
    if (!scope.is_string() || !auth::is_scope_token(scope.as_string())) {
      throw BadField{std::string(kMessage)};
    }
    joined += " " + std::string(scope.as_string());
  }
  return auth::parse_scope_list(joined);
}

json::array codes_json(const std::vector<std::string>& codes) {
  json::array array;
  for (const auto& code : codes) array.emplace_back(code);
  return array;
}

json::object session_json(const ApiCall& call, const db::SessionUser& user) {
  return json::object{
      {"username", user.username},
      {"csrf_token", csrf_token_for(call.service.hasher(), call.session_id)},
      {"totp_enabled", user.totp_enabled},
      {"session_idle_seconds", call.config.session_idle.count() / 1000},
      {"session_max_seconds", call.config.session_max.count() / 1000},
  };
}

// A change to the account's credentials gave the caller a new session id (empty: none): its
// CSRF token goes with the answer, and the cookie with it (or the old one is cleared).
json::object with_csrf_token(json::object body, const ApiCall& call, const std::string& renewed) {
  if (!renewed.empty()) body["csrf_token"] = csrf_token_for(call.service.hasher(), renewed);
  return body;
}

EndpointResult with_session_cookie(EndpointResult result, const ApiCall& call,
                                   const std::string& renewed) {
  if (result.response.result() != http::status::ok) return result;
  result.response.set(http::field::set_cookie, renewed.empty()
                                                   ? cleared_cookie(call.cookie)
                                                   : session_cookie(call.cookie, renewed));
  return result;
}

EndpointResult ok(json::value body, const ApiCall& call) {
  return EndpointResult{json_response(http::status::ok, body),
                        call.session ? call.session->username : std::string(),
                        {},
                        {}};
}

EndpointResult refusal(http::status status, std::string_view reason, std::string_view message,
                       const ApiCall& call, std::string log_reason = {}) {
  return EndpointResult{error_response(status, reason, message),
                        call.session ? call.session->username : std::string(),
                        log_reason.empty() ? std::string(reason) : std::move(log_reason),
                        {}};
}

EndpointResult too_many(std::chrono::milliseconds wait, std::string reason, const ApiCall& call) {
  EndpointResult result =
      refusal(http::status::too_many_requests, "too_many_attempts",
              "Too many failed attempts; wait a moment and try again.", call, std::move(reason));
  result.response.set(http::field::retry_after,
                      std::to_string(proxy::retry_after_for(wait).count()));
  return result;
}

// A spent failure budget: how long until a token comes back, and which budget.
struct OverBudget {
  std::chrono::milliseconds wait;
  std::string reason;
};

// The 429 of a spent budget is held by the session as the proxy's (proxy/serve_local_endpoint),
// never past its Retry-After: a client ignoring it gets one guess answered per delay.
EndpointResult held_too_many(const OverBudget& over, const ApiCall& call) {
  EndpointResult result = too_many(over.wait, over.reason, call);
  result.over_budget = proxy::retry_after_for(over.wait);
  return result;
}

// The proxy's failure budgets, per client address and per account: a token is reserved before
// a secret is checked and given back unless the check failed (as proxy/authenticate_request).
class Budget {
 public:
  Budget(proxy::Gateway& gateway, const std::string& address, const std::string& username)
      : gateway_(gateway),
        address_(auth::address_key(address)),
        account_(auth::account_key(username)),
        now_(auth::FailureBudgets::Clock::now()) {}

  // nullopt when a token was reserved from both; else which budget is spent.
  std::optional<OverBudget> reserve() {
    if (auto wait = gateway_.address_budgets.exhausted(address_, now_)) {
      return OverBudget{*wait, "address_over_budget"};
    }
    if (auto wait = gateway_.account_budgets.exhausted(account_, now_)) {
      return OverBudget{*wait, "account_over_budget"};
    }
    if (!gateway_.address_budgets.try_spend(address_, now_)) {
      return OverBudget{std::chrono::seconds(1), "address_over_budget"};
    }
    if (!gateway_.account_budgets.try_spend(account_, now_)) {
      gateway_.address_budgets.refund(address_, now_);
      return OverBudget{std::chrono::seconds(1), "account_over_budget"};
    }
    reserved_ = true;
    return std::nullopt;
  }
  // No failure after all.
  void refund() {
    if (!reserved_) return;
    gateway_.address_budgets.refund(address_, now_);
    gateway_.account_budgets.refund(account_, now_);
    reserved_ = false;
  }

 private:
  proxy::Gateway& gateway_;
  std::string address_;
  std::string account_;
  auth::FailureBudgets::Clock::time_point now_;
  bool reserved_ = false;
};

// Counted towards the account lock after the answer, as the proxy does.
void record_failure(proxy::Gateway& gateway, std::optional<std::int64_t> user_id) {
  if (!user_id) return;
  gateway.verify_pool.post([&authenticator = gateway.authenticator, id = *user_id] {
    authenticator.record_failure(id);
  });
}

asio::awaitable<EndpointResult> sign_in(ApiCall& call) {
  SignInRequest request;
  request.username = text_field(call.body, "username");
  request.password = text_field(call.body, "password");
  request.code = text_field(call.body, "code", false);
  request.client_address = call.request.client_address;
  if (request.username.empty() || request.password.empty()) {
    co_return refusal(http::status::bad_request, "bad_request", "Enter your username and password.",
                      call);
  }
  Budget budget(call.gateway, request.client_address, request.username);
  if (const auto over = budget.reserve()) co_return held_too_many(*over, call);
  auto job = [&service = call.service, &request] { return service.sign_in(request); };
  std::optional<SignInResult> outcome;
  try {
    auto done = co_await call.gateway.verify_pool.run(std::move(job));
    outcome = take(std::move(done));
  } catch (...) {
    budget.refund();  // busy or failed: nothing was guessed (as the proxy's settle_budgets)
    throw;
  }
  const SignInResult& result = *outcome;
  if (!result.guess) budget.refund();
  record_failure(call.gateway, result.failed_user_id);
  auto refused_login = [&] {
    if (call.gateway.record_refusal) {
      call.gateway.record_refusal(
          proxy::RefusedLogin{request.username, request.client_address, result.reason});
    }
  };
  switch (result.status) {
    case SignInStatus::signed_in: {
      call.session_id = result.session_id;
      db::SessionUser user;
      user.username = result.username;
      user.totp_enabled = result.totp_enabled;
      call.session = user;
      EndpointResult done = ok(session_json(call, user), call);
      done.response.set(http::field::set_cookie, session_cookie(call.cookie, result.session_id));
      co_return done;
    }
    case SignInStatus::totp_required:
      co_return refusal(http::status::unauthorized, "totp_required",
                        "Enter the code from your authenticator app, or a recovery code.", call);
    case SignInStatus::locked: {
      refused_login();
      const auto wait = result.locked_until
                            ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                  *result.locked_until - std::chrono::system_clock::now())
                            : std::chrono::milliseconds(1000);
      co_return too_many(wait, "account_locked", call);
    }
    case SignInStatus::unavailable:
      co_return refusal(http::status::service_unavailable, "unavailable",
                        "Sign-in is unavailable right now; try again shortly.", call,
                        result.reason);
    case SignInStatus::refused:
      break;
  }
  refused_login();
  co_return refusal(http::status::unauthorized, "bad_credentials",
                    "The username, password or code is wrong.", call, result.reason);
}

asio::awaitable<EndpointResult> sign_out(ApiCall& call) {
  if (!call.session_id.empty()) {
    auto job = [&call] {
      call.service.sign_out(call.session_id);
      return true;
    };
    auto done = co_await call.gateway.verify_pool.run(std::move(job));
    take(std::move(done));
  }
  EndpointResult result{
      no_content(), call.session ? call.session->username : std::string(), {}, {}};
  result.response.set(http::field::set_cookie, cleared_cookie(call.cookie));
  co_return result;
}

// Blocking jobs are named and their results taken in a statement of their own: g++ 12 may
// destroy temporaries of a co_await full-expression twice (GCC PR 100611).

// Calls that check a second secret (TOTP code, current password) spend the same budgets as
// sign-in: a stolen session must not become a free guessing oracle.
// `work` by reference: g++ 12 mis-destroys by-value lambda parameters of coroutines.
template <typename Work>
asio::awaitable<EndpointResult> guarded(ApiCall& call, const Work& work) {
  Budget budget(call.gateway, call.request.client_address, call.session->username);
  if (const auto over = budget.reserve()) co_return held_too_many(*over, call);
  std::optional<Refused> failure;
  std::optional<json::value> body;
  try {
    auto done = co_await call.gateway.verify_pool.run(work);
    body = take(std::move(done));
  } catch (const Refused& refused) {
    failure = refused;
  } catch (...) {
    budget.refund();
    throw;
  }
  if (failure) {
    record_failure(call.gateway, failure->failed_user_id);
    co_return refusal(http::status::forbidden, "wrong_code", failure->what(), call,
                      failure->reason());
  }
  budget.refund();
  co_return ok(std::move(*body), call);
}

asio::awaitable<EndpointResult> dispatch(ApiCall& call) {
  const AccountService& service = call.service;
  const std::string& address = call.request.client_address;
  switch (call.api.action) {
    case ApiAction::get_session:
      if (!call.session) {
        EndpointResult result = refusal(http::status::unauthorized, "signed_out",
                                        "You are not signed in.", call, "self_service_no_session");
        // A cookie of an ended session is dropped from the browser too.
        if (!call.session_id.empty()) {
          result.response.set(http::field::set_cookie, cleared_cookie(call.cookie));
        }
        co_return result;
      }
      co_return ok(session_json(call, *call.session), call);
    case ApiAction::sign_in:
      co_return co_await sign_in(call);
    case ApiAction::sign_out:
      co_return co_await sign_out(call);
    case ApiAction::list_app_passwords: {
      auto job = [&] { return service.list_app_passwords(*call.session); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      const auto list = take(std::move(done));
      json::array array;
      for (const auto& p : list) array.push_back(app_password_json(p));
      co_return ok(json::object{{"app_passwords", std::move(array)}}, call);
    }
    case ApiAction::create_app_password: {
      const std::string name = text_field(call.body, "name");
      if (auto problem = app_password_name_problem(name)) {
        co_return refusal(http::status::bad_request, "bad_name", *problem, call);
      }
      auto job = [&] { return service.create_app_password(*call.session, name, address); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      auto created = take(std::move(done));
      json::object body = app_password_json(created.info);
      body["password"] = created.password;
      std::fill(created.password.begin(), created.password.end(), '\0');
      co_return EndpointResult{
          json_response(http::status::created, body), call.session->username, {}, {}};
    }
    case ApiAction::revoke_app_password: {
      auto job = [&] { return service.revoke_app_password(*call.session, call.api.id, address); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      const std::string name = take(std::move(done));
      co_return ok(json::object{{"revoked", json::array{json::value(name)}}}, call);
    }
    case ApiAction::revoke_all_app_passwords: {
      auto job = [&] { return service.revoke_all_app_passwords(*call.session, address); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      const int count = take(std::move(done));
      co_return ok(json::object{{"revoked_count", count}}, call);
    }
    case ApiAction::get_totp: {
      auto job = [&] { return service.totp_status(*call.session); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      const TotpStatus status = take(std::move(done));
      co_return ok(json::object{{"enabled", status.enabled},
                                {"pending", status.pending},
                                {"recovery_codes_left", status.recovery_codes_left}},
                   call);
    }
    case ApiAction::start_totp: {
      // Re-authentication, as for a password change: a session alone must not enrol a secret.
      const std::string password = text_field(call.body, "current_password");
      const auto work = [&]() -> json::value {
        const TotpStart start = service.start_totp(*call.session, password, address);
        return json::object{
            {"secret", start.secret}, {"otpauth_uri", start.otpauth_uri}, {"qr_svg", start.qr_svg}};
      };
      co_return co_await guarded(call, work);
    }
    case ApiAction::confirm_totp: {
      TotpConfirm confirm;
      confirm.current_password = text_field(call.body, "current_password");
      confirm.code = text_field(call.body, "code");
      std::string renewed;
      const auto work = [&]() -> json::value {
        TotpConfirmation done =
            service.confirm_totp(*call.session, call.session_id, confirm, address);
        renewed = std::move(done.session_id);
        return with_csrf_token({{"recovery_codes", codes_json(done.recovery_codes)}}, call,
                               renewed);
      };
      EndpointResult result = co_await guarded(call, work);
      co_return with_session_cookie(std::move(result), call, renewed);
    }
    case ApiAction::disable_totp: {
      const std::string code = text_field(call.body, "code", false);
      const auto work = [&]() -> json::value {
        service.disable_totp(*call.session, code, address);
        return json::object{{"enabled", false}};
      };
      co_return co_await guarded(call, work);
    }
    case ApiAction::new_recovery_codes: {
      const std::string code = text_field(call.body, "code");
      const auto work = [&]() -> json::value {
        return json::object{{"recovery_codes",
                             codes_json(service.new_recovery_codes(*call.session, code, address))}};
      };
      co_return co_await guarded(call, work);
    }
    case ApiAction::change_password: {
      PasswordChange change;
      change.current_password = text_field(call.body, "current_password");
      change.new_password = text_field(call.body, "new_password");
      change.code = text_field(call.body, "code", false);
      change.revoke_app_passwords = bool_field(call.body, "revoke_app_passwords", true);
      if (auto problem = new_password_problem(change.new_password)) {
        co_return refusal(http::status::bad_request, "bad_password", *problem, call);
      }
      std::string renewed;
      const auto work = [&]() -> json::value {
        PasswordChanged done =
            service.change_password(*call.session, call.session_id, change, address);
        renewed = std::move(done.session_id);
        return with_csrf_token(
            {{"changed", true}, {"revoked_app_passwords", done.revoked_app_passwords}}, call,
            renewed);
      };
      EndpointResult result = co_await guarded(call, work);
      co_return with_session_cookie(std::move(result), call, renewed);
    }
    case ApiAction::list_tokens: {
      auto job = [&] { return service.list_tokens(*call.session); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      const auto list = take(std::move(done));
      json::array array;
      for (const auto& t : list) array.push_back(token_json(t));
      co_return ok(json::object{{"tokens", std::move(array)}}, call);
    }
    case ApiAction::create_token: {
      TokenRequest request;
      request.name = text_field(call.body, "name");
      if (auto problem = app_password_name_problem(request.name)) {
        co_return refusal(http::status::bad_request, "bad_name", *problem, call);
      }
      request.lifetime = lifetime_field(call.body);
      request.scopes = scopes_field(call.body);
      auto job = [&] { return service.create_token(*call.session, request, address); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      auto created = take(std::move(done));
      json::object body = token_json(created.info);
      body["token"] = created.token;
      std::fill(created.token.begin(), created.token.end(), '\0');
      co_return EndpointResult{
          json_response(http::status::created, body), call.session->username, {}, {}};
    }
    case ApiAction::revoke_token: {
      auto job = [&] { return service.revoke_token(*call.session, call.api.id, address); };
      auto done = co_await call.gateway.verify_pool.run(std::move(job));
      const std::string name = take(std::move(done));
      co_return ok(json::object{{"revoked", json::array{json::value(name)}}}, call);
    }
  }
  co_return refusal(http::status::not_found, "not_found", "No such API call.", call);
}

}  // namespace

asio::awaitable<EndpointResult> run_api_call(ApiCall& call) {
  std::optional<EndpointResult> result;
  try {
    result = co_await dispatch(call);
  } catch (const BadField& bad) {
    result = refusal(http::status::bad_request, "bad_request", bad.message, call,
                     "self_service_bad_field");
  } catch (const Busy&) {
    result = refusal(http::status::service_unavailable, "busy", "The server is busy; try again.",
                     call, "verify_queue_full");
  } catch (const Refused& refused) {
    result = refusal(http::status::forbidden, "refused", refused.what(), call, refused.reason());
  } catch (const db::NotFound&) {
    result = refusal(http::status::not_found, "not_found",
                     "It does not exist, or was revoked already.", call, "self_service_not_found");
  } catch (const db::Conflict& e) {
    // Messages of the repository name only the user's own names (never a secret).
    result = refusal(http::status::conflict, "conflict", e.what(), call, "self_service_conflict");
  } catch (const db::InvalidValue&) {
    result = refusal(http::status::bad_request, "invalid", "The value was refused.", call,
                     "self_service_invalid");
  } catch (const auth::StoreUnavailable&) {
    result = refusal(http::status::service_unavailable, "unavailable",
                     "The database is unavailable; try again shortly.", call, "store_unavailable");
  }
  co_return std::move(*result);
}

}  // namespace latchkey::web

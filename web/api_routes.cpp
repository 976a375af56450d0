#include "web/api_routes.hpp"

#include <algorithm>
#include <charconv>

namespace latchkey::web {
namespace {

struct Route {
  std::string_view method;
  std::string_view path;
  ApiAction action;
};

constexpr Route kRoutes[] = {
    {"GET", "session", ApiAction::get_session},
    {"POST", "session", ApiAction::sign_in},
    {"DELETE", "session", ApiAction::sign_out},
    {"GET", "app-passwords", ApiAction::list_app_passwords},
    {"POST", "app-passwords", ApiAction::create_app_password},
    {"DELETE", "app-passwords", ApiAction::revoke_all_app_passwords},
    {"GET", "totp", ApiAction::get_totp},
    {"POST", "totp", ApiAction::start_totp},
    {"POST", "totp/confirm", ApiAction::confirm_totp},
    {"POST", "totp/disable", ApiAction::disable_totp},
    {"POST", "totp/recovery-codes", ApiAction::new_recovery_codes},
    {"POST", "password", ApiAction::change_password},
    {"GET", "tokens", ApiAction::list_tokens},
    {"POST", "tokens", ApiAction::create_token},
};

// Paths that end in an id; DELETE is their only method.
struct IdRoute {
  std::string_view prefix;
  ApiAction action;
};

constexpr IdRoute kIdRoutes[] = {
    {"app-passwords/", ApiAction::revoke_app_password},
    {"tokens/", ApiAction::revoke_token},
};

constexpr std::size_t kMaxIdDigits = 18;  // stays below int64's limit

}  // namespace

std::variant<ApiMatch, ApiMiss> match_api(std::string_view method, std::string_view path) {
  for (const IdRoute& route : kIdRoutes) {
    if (!path.starts_with(route.prefix)) continue;
    const std::string_view digits = path.substr(route.prefix.size());
    if (digits.empty() || digits.size() > kMaxIdDigits ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return ApiMiss::not_found;
    }
    if (method != "DELETE") return ApiMiss::method_not_allowed;
    ApiMatch match{route.action};
    std::from_chars(digits.data(), digits.data() + digits.size(), match.id);
    return match;
  }
  bool path_known = false;
  for (const Route& route : kRoutes) {
    if (route.path != path) continue;
    path_known = true;
    if (route.method == method) return ApiMatch{route.action};
  }
  return path_known ? ApiMiss::method_not_allowed : ApiMiss::not_found;
}

bool needs_session(ApiAction action) {
  return action != ApiAction::sign_in && action != ApiAction::get_session &&
         action != ApiAction::sign_out;
}

}  // namespace latchkey::web

#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <optional>

#include "web/api_routes.hpp"

using namespace latchkey::web;

namespace {

std::optional<ApiAction> action(std::string_view method, std::string_view path) {
  const auto matched = match_api(method, path);
  if (const auto* m = std::get_if<ApiMatch>(&matched)) return m->action;
  return std::nullopt;
}

ApiMiss miss(std::string_view method, std::string_view path) {
  return std::get<ApiMiss>(match_api(method, path));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_routes)

BOOST_AUTO_TEST_CASE(every_documented_call_has_its_action) {
  BOOST_TEST((action("GET", "session") == ApiAction::get_session));
  BOOST_TEST((action("POST", "session") == ApiAction::sign_in));
  BOOST_TEST((action("DELETE", "session") == ApiAction::sign_out));
  BOOST_TEST((action("GET", "app-passwords") == ApiAction::list_app_passwords));
  BOOST_TEST((action("POST", "app-passwords") == ApiAction::create_app_password));
  BOOST_TEST((action("DELETE", "app-passwords") == ApiAction::revoke_all_app_passwords));
  BOOST_TEST((action("GET", "totp") == ApiAction::get_totp));
  BOOST_TEST((action("POST", "totp") == ApiAction::start_totp));
  BOOST_TEST((action("POST", "totp/confirm") == ApiAction::confirm_totp));
  BOOST_TEST((action("POST", "totp/disable") == ApiAction::disable_totp));
  BOOST_TEST((action("POST", "totp/recovery-codes") == ApiAction::new_recovery_codes));
  BOOST_TEST((action("POST", "password") == ApiAction::change_password));
  BOOST_TEST((action("GET", "tokens") == ApiAction::list_tokens));
  BOOST_TEST((action("POST", "tokens") == ApiAction::create_token));
}

BOOST_AUTO_TEST_CASE(revoke_a_token_carries_its_id) {
  const auto matched = std::get<ApiMatch>(match_api("DELETE", "tokens/7"));
  BOOST_TEST((matched.action == ApiAction::revoke_token));
  BOOST_TEST(matched.id == 7);
  BOOST_TEST((miss("DELETE", "tokens") == ApiMiss::method_not_allowed));
  BOOST_TEST((miss("POST", "tokens/7") == ApiMiss::method_not_allowed));
  BOOST_TEST((miss("DELETE", "tokens/") == ApiMiss::not_found));
  BOOST_TEST((miss("DELETE", "tokens/lkp_x") == ApiMiss::not_found));
  BOOST_TEST((miss("DELETE", "tokens/7/") == ApiMiss::not_found));
  BOOST_TEST((miss("DELETE", "tokens/1234567890123456789") == ApiMiss::not_found));
}

BOOST_AUTO_TEST_CASE(revoke_one_carries_its_id) {
  const auto matched = std::get<ApiMatch>(match_api("DELETE", "app-passwords/42"));
  BOOST_TEST((matched.action == ApiAction::revoke_app_password));
  BOOST_TEST(matched.id == 42);
  BOOST_TEST((miss("GET", "app-passwords/42") == ApiMiss::method_not_allowed));
  BOOST_TEST((miss("DELETE", "app-passwords/") == ApiMiss::not_found));
  BOOST_TEST((miss("DELETE", "app-passwords/4x") == ApiMiss::not_found));
  BOOST_TEST((miss("DELETE", "app-passwords/-1") == ApiMiss::not_found));
  BOOST_TEST((miss("DELETE", "app-passwords/1234567890123456789") == ApiMiss::not_found));
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods_are_told_apart) {
  BOOST_TEST((miss("PUT", "session") == ApiMiss::method_not_allowed));
  BOOST_TEST((miss("GET", "totp/confirm") == ApiMiss::method_not_allowed));
  BOOST_TEST((miss("GET", "session/") == ApiMiss::not_found));
  BOOST_TEST((miss("GET", "") == ApiMiss::not_found));
  BOOST_TEST((miss("GET", "users") == ApiMiss::not_found));
}

BOOST_AUTO_TEST_CASE(only_session_calls_work_signed_out) {
  BOOST_TEST(!needs_session(ApiAction::sign_in));
  BOOST_TEST(!needs_session(ApiAction::get_session));
  BOOST_TEST(!needs_session(ApiAction::sign_out));
  BOOST_TEST(needs_session(ApiAction::create_app_password));
  BOOST_TEST(needs_session(ApiAction::revoke_all_app_passwords));
  BOOST_TEST(needs_session(ApiAction::disable_totp));
  BOOST_TEST(needs_session(ApiAction::change_password));
  BOOST_TEST(needs_session(ApiAction::list_tokens));
  BOOST_TEST(needs_session(ApiAction::create_token));
  BOOST_TEST(needs_session(ApiAction::revoke_token));
}

BOOST_AUTO_TEST_SUITE_END()

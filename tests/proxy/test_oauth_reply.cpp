#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <string>

#include "config/config.hpp"
#include "proxy/auth_challenge.hpp"
#include "proxy/oauth_reply.hpp"

using namespace latchkey::proxy;
namespace http = boost::beast::http;

namespace {

void check_no_store(const LocalResponse& r) {
  BOOST_TEST(r[http::field::content_type] == "application/json");
  BOOST_TEST(r[http::field::cache_control] == "no-store");
  BOOST_TEST(r[http::field::pragma] == "no-cache");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oauth_reply)

BOOST_AUTO_TEST_CASE(errors_are_400_json_with_their_code) {
  for (OAuthError e : {OAuthError::invalid_request, OAuthError::invalid_client,
                       OAuthError::invalid_grant, OAuthError::unauthorized_client,
                       OAuthError::unsupported_grant_type, OAuthError::invalid_scope}) {
    const LocalResponse r = oauth_error(e, "why");
    BOOST_TEST(r.result_int() == 400u);
    check_no_store(r);
    const auto body = boost::json::parse(r.body()).as_object();
    BOOST_TEST(body.at("error").as_string() == to_string(e));
    BOOST_TEST(body.at("error_description").as_string() == "why");
    BOOST_TEST(r.count(http::field::www_authenticate) == 0u);
  }
  BOOST_TEST(to_string(OAuthError::unsupported_grant_type) == "unsupported_grant_type");
}

BOOST_AUTO_TEST_CASE(invalid_client_after_basic_is_401_with_a_challenge) {
  const LocalResponse r = oauth_error(OAuthError::invalid_client, "", "latchkey-oauth");
  BOOST_TEST(r.result_int() == 401u);
  BOOST_TEST(r[http::field::www_authenticate] ==
             "Basic realm=\"latchkey-oauth\", charset=\"UTF-8\"");
  BOOST_TEST(r.body() == "{\"error\":\"invalid_client\"}");
  // Only invalid_client turns into 401 (RFC 6749 §5.2).
  BOOST_TEST(oauth_error(OAuthError::invalid_grant, "x", "realm").result_int() == 400u);
}

BOOST_AUTO_TEST_CASE(success_has_the_section_5_1_fields) {
  const LocalResponse r = oauth_tokens("lka_a", std::chrono::seconds(3600), "lkr_b",
                                       std::vector<std::string>{"a", "b"});
  BOOST_TEST(r.result_int() == 200u);
  check_no_store(r);
  const auto body = boost::json::parse(r.body()).as_object();
  BOOST_TEST(body.at("access_token").as_string() == "lka_a");
  BOOST_TEST(body.at("token_type").as_string() == "Bearer");
  BOOST_TEST(body.at("expires_in").as_int64() == 3600);
  BOOST_TEST(body.at("refresh_token").as_string() == "lkr_b");
  BOOST_TEST(body.at("scope").as_string() == "a b");
  const auto all =
      boost::json::parse(oauth_tokens("a", std::chrono::seconds(1), "r", std::nullopt).body())
          .as_object();
  BOOST_TEST(!all.contains("scope"));
}

BOOST_AUTO_TEST_CASE(retry_later_and_method_not_allowed) {
  const LocalResponse throttled = oauth_retry_later(false, std::chrono::seconds(7));
  BOOST_TEST(throttled.result_int() == 429u);
  BOOST_TEST(throttled[http::field::retry_after] == "7");
  check_no_store(throttled);
  const LocalResponse down = oauth_retry_later(true, std::chrono::seconds(0));
  BOOST_TEST(down.result_int() == 503u);
  BOOST_TEST(down[http::field::retry_after] == "1");
  const LocalResponse get = oauth_method_not_allowed();
  BOOST_TEST(get.result_int() == 405u);
  BOOST_TEST(get[http::field::allow] == "POST");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth_challenge)

BOOST_AUTO_TEST_CASE(routes_offer_basic_and_bearer_only_where_tokens_are_accepted) {
  latchkey::config::RouteAuth auth;
  auth.realm = "tracker";
  BOOST_TEST((route_challenges(auth) ==
              std::vector<std::string>{"Basic realm=\"tracker\", charset=\"UTF-8\""}));
  auth.accept.push_back(latchkey::config::CredentialKind::token);
  BOOST_TEST(route_challenges(auth) ==
             (std::vector<std::string>{"Basic realm=\"tracker\", charset=\"UTF-8\"",
                                       "Bearer realm=\"tracker\""}));
}

BOOST_AUTO_TEST_CASE(bearer_errors_follow_rfc_6750_section_3) {
  latchkey::config::RouteAuth auth;
  auth.realm = "api";
  auth.scopes = {"tracker:read", "tracker:write"};
  BOOST_TEST(bearer_challenge(auth, BearerError::invalid_token) ==
             "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"the access "
             "token is unknown, expired or revoked\"");
  BOOST_TEST(
      bearer_challenge(auth, BearerError::invalid_request).find("error=\"invalid_request\"") !=
      std::string::npos);
  BOOST_TEST(bearer_challenge(auth, BearerError::insufficient_scope)
                 .ends_with(", scope=\"tracker:read tracker:write\""));
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_DYN_LINK
#include <boost/beast/http/write.hpp>
#include <boost/test/unit_test.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "proxy/local_reply.hpp"

namespace http = boost::beast::http;
using latchkey::auth::DenyReason;
using latchkey::proxy::LocalReply;
using latchkey::proxy::LocalResponse;
using latchkey::proxy::make_local_reply;
using latchkey::proxy::reply_for;

namespace {

constexpr std::string_view kRealm = "Issue tracker";

const std::vector<LocalReply> kAllReplies{
    LocalReply::bad_request, LocalReply::bad_credentials, LocalReply::request_timeout,
    LocalReply::not_found,   LocalReply::unauthorized,    LocalReply::use_app_password,
    LocalReply::unavailable, LocalReply::bad_gateway,     LocalReply::gateway_timeout,
};

// The bytes the client receives.
std::string wire(const LocalResponse& response) {
  std::ostringstream out;
  out << response;
  return out.str();
}

std::string wire(LocalReply kind) {
  return wire(make_local_reply(kind, 11, true, kRealm));
}

int kind_number(LocalReply kind) {
  return static_cast<int>(kind);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_reply)

BOOST_AUTO_TEST_CASE(each_reply_has_its_status) {
  const struct {
    LocalReply kind;
    unsigned status;
  } cases[] = {
      {LocalReply::bad_request, 400},     {LocalReply::bad_credentials, 400},
      {LocalReply::request_timeout, 408}, {LocalReply::not_found, 404},
      {LocalReply::unauthorized, 401},    {LocalReply::use_app_password, 401},
      {LocalReply::unavailable, 503},     {LocalReply::bad_gateway, 502},
      {LocalReply::gateway_timeout, 504},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("kind " << kind_number(c.kind)) {
      BOOST_TEST(make_local_reply(c.kind, 11, true, kRealm).result_int() == c.status);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_401_carries_the_basic_challenge_with_utf8) {
  // RFC 7235 §3.1: a 401 without a challenge leaves git and browsers unable to prompt.
  for (const LocalReply kind : kAllReplies) {
    BOOST_TEST_CONTEXT("kind " << kind_number(kind)) {
      const auto response = make_local_reply(kind, 11, true, kRealm);
      if (response.result() == http::status::unauthorized) {
        BOOST_TEST(response[http::field::www_authenticate] ==
                   "Basic realm=\"Issue tracker\", charset=\"UTF-8\"");
        BOOST_TEST(response.count(http::field::www_authenticate) == 1u);
      } else {
        BOOST_TEST(response.count(http::field::www_authenticate) == 0u);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(refusals_that_must_not_tell_why_are_byte_identical) {
  // Account enumeration: a stranger must not learn which usernames exist, which app
  // password belongs to whom, or that an account is disabled.
  const DenyReason reasons[] = {
      DenyReason::missing_credentials, DenyReason::bad_password,
      DenyReason::unknown_user,        DenyReason::app_password_wrong_user,
      DenyReason::not_an_app_password, DenyReason::account_password_denied,
      DenyReason::account_disabled,    DenyReason::unsupported_scheme,
  };
  const std::string reference = wire(reply_for(DenyReason::missing_credentials));
  BOOST_TEST(reference.starts_with("HTTP/1.1 401 "));
  for (const DenyReason reason : reasons) {
    BOOST_TEST_CONTEXT(latchkey::auth::to_string(reason)) {
      BOOST_TEST((reply_for(reason) == LocalReply::unauthorized));
      BOOST_TEST(wire(reply_for(reason)) == reference);
    }
  }
}

BOOST_AUTO_TEST_CASE(totp_hint_names_application_passwords_and_differs_from_plain_401) {
  // DESIGN §5.1: the user with TOTP learns why the right account password was refused.
  BOOST_TEST((reply_for(DenyReason::totp_requires_app_password) == LocalReply::use_app_password));
  const auto hint = make_local_reply(LocalReply::use_app_password, 11, true, kRealm);
  const auto plain = make_local_reply(LocalReply::unauthorized, 11, true, kRealm);
  BOOST_TEST(hint.result() == http::status::unauthorized);
  BOOST_TEST(hint.body().find("application password") != std::string::npos);
  BOOST_TEST(hint.body() != plain.body());
  BOOST_TEST(wire(hint) != wire(plain));
  BOOST_TEST(hint[http::field::www_authenticate] == plain[http::field::www_authenticate]);
}

BOOST_AUTO_TEST_CASE(store_outage_is_a_503_with_retry_after) {
  // DESIGN §5.7: fail closed, and tell clients to come back rather than re-prompt.
  BOOST_TEST((reply_for(DenyReason::store_unavailable) == LocalReply::unavailable));
  const auto response = make_local_reply(LocalReply::unavailable, 11, true, kRealm);
  BOOST_TEST(response.result() == http::status::service_unavailable);
  const std::string retry_after{response[http::field::retry_after]};
  BOOST_TEST_REQUIRE(!retry_after.empty());
  BOOST_TEST(retry_after.find_first_not_of("0123456789") == std::string::npos);
  BOOST_TEST(std::stoi(retry_after) > 0);
  BOOST_TEST(response.count(http::field::www_authenticate) == 0u);
}

BOOST_AUTO_TEST_CASE(malformed_credentials_are_a_400) {
  BOOST_TEST((reply_for(DenyReason::malformed_credentials) == LocalReply::bad_credentials));
  BOOST_TEST(make_local_reply(LocalReply::bad_credentials, 11, true, kRealm).result_int() == 400u);
}

BOOST_AUTO_TEST_CASE(every_reply_is_framed_and_never_cached) {
  for (const LocalReply kind : kAllReplies) {
    BOOST_TEST_CONTEXT("kind " << kind_number(kind)) {
      const auto response = make_local_reply(kind, 11, true, kRealm);
      BOOST_TEST(!response.body().empty());
      BOOST_TEST(response[http::field::content_length] == std::to_string(response.body().size()));
      BOOST_TEST(response.count(http::field::transfer_encoding) == 0u);
      // A cached 401 or 503 would be replayed to the next user of a shared cache.
      BOOST_TEST(response[http::field::cache_control] == "no-store");
      BOOST_TEST(response[http::field::content_type] == "text/plain; charset=utf-8");
      // The serialised body is exactly Content-Length bytes after the head.
      const std::string bytes = wire(response);
      const auto head_end = bytes.find("\r\n\r\n");
      BOOST_TEST_REQUIRE(head_end != std::string::npos);
      BOOST_TEST(bytes.size() - head_end - 4 == response.body().size());
    }
  }
}

BOOST_AUTO_TEST_CASE(keep_alive_and_version_follow_the_request) {
  {
    const auto closing = make_local_reply(LocalReply::bad_request, 11, false, kRealm);
    BOOST_TEST(closing.version() == 11u);
    BOOST_TEST(!closing.keep_alive());
    BOOST_TEST(wire(closing).find("Connection: close\r\n") != std::string::npos);
  }
  {
    const auto kept = make_local_reply(LocalReply::unauthorized, 11, true, kRealm);
    BOOST_TEST(kept.keep_alive());
    BOOST_TEST(wire(kept).starts_with("HTTP/1.1 401 Unauthorized\r\n"));
  }
  {
    // HTTP/1.0 closes by default, so keeping it alive must be said out loud.
    const auto kept = make_local_reply(LocalReply::unauthorized, 10, true, kRealm);
    BOOST_TEST(wire(kept).starts_with("HTTP/1.0 401 Unauthorized\r\n"));
    BOOST_TEST(wire(kept).find("Connection: keep-alive\r\n") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(realm_is_the_routes) {
  const auto a = make_local_reply(LocalReply::unauthorized, 11, true, "git");
  const auto b = make_local_reply(LocalReply::unauthorized, 11, true, "wiki");
  BOOST_TEST(a[http::field::www_authenticate] == "Basic realm=\"git\", charset=\"UTF-8\"");
  BOOST_TEST(b[http::field::www_authenticate] == "Basic realm=\"wiki\", charset=\"UTF-8\"");
}

BOOST_AUTO_TEST_SUITE_END()

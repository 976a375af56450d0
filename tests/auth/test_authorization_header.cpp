#include <openssl/evp.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorization_header.hpp"

using namespace latchkey::auth;
using namespace std::string_literals;

namespace {

enum class Kind { basic, bearer, error };

struct Case {
  std::string header;
  Kind kind;
  std::string first;   // username or token
  std::string second;  // password
  AuthorizationError error = AuthorizationError::malformed;
};

Case basic(std::string header, std::string user, std::string password) {
  return {std::move(header), Kind::basic, std::move(user), std::move(password)};
}
Case bearer(std::string header, std::string token) {
  return {std::move(header), Kind::bearer, std::move(token), ""};
}
Case error(std::string header, AuthorizationError e) {
  return {std::move(header), Kind::error, "", "", e};
}

constexpr auto kMalformed = AuthorizationError::malformed;
constexpr auto kUnsupported = AuthorizationError::unsupported_scheme;
constexpr auto kUtf8 = AuthorizationError::invalid_utf8;
constexpr auto kCtl = AuthorizationError::control_character;

// Raw field values as a client would send them. Base64 payloads are spelled out so the
// table reads as what goes over the wire.
const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      // RFC 7617 §2 example, scheme in any case, 1+ SP, OWS around the value.
      basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"),
      basic("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"),
      basic("BASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"),
      basic("bAsIc QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"),
      basic("Basic    QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"),
      basic("  Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ", "Aladdin", "open sesame"),
      basic("\tBasic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\t", "Aladdin", "open sesame"),
      // RFC 7617 §2.1 example: UTF-8 password "123£".
      basic("Basic dGVzdDoxMjPCow==", "test", "123\xc2\xa3"),
      // Split at the first ':'; the password keeps the rest.
      basic("Basic YWxpY2U6cGE6c3M6", "alice", "pa:ss:"),
      // Empty user-id and empty password are syntax-valid; the authenticator decides.
      basic("Basic OnNlY3JldA==", "", "secret"),
      basic("Basic YWxpY2U6", "alice", ""),
      basic("Basic Og==", "", ""),
      // Padding: none, one and two '='.
      basic("Basic YTpi", "a", "b"),
      basic("Basic YTpiYw==", "a", "bc"),
      basic("Basic YWI6Yw==", "ab", "c"),
      basic("Basic dXNlcjpwYXNzPj8=", "user", "pass>?"),
      // Valid multi-byte UTF-8, up to the edges of the allowed ranges.
      basic("Basic w6k64oKs", "\xc3\xa9", "\xe2\x82\xac"),
      basic("Basic 8J+YgDrvv78=", "\xf0\x9f\x98\x80", "\xef\xbf\xbf"),
      basic("Basic YTrtn78=", "a", "\xed\x9f\xbf"),
      basic("Basic YTr0j7+/", "a", "\xf4\x8f\xbf\xbf"),

      // Missing or broken credentials.
      error("", kMalformed),
      error("   ", kMalformed),
      error("Basic", kMalformed),
      error("Basic ", kMalformed),
      error("Basic     ", kMalformed),
      error("Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==", kMalformed),
      error("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", kMalformed),     // padding dropped
      error("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=", kMalformed),    // short padding
      error("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ===", kMalformed),  // extra padding
      error("Basic QWxh ZGRpbjpvcGVuIHNlc2FtZQ==", kMalformed),  // inner space
      error("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== x", kMalformed),
      error("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==,", kMalformed),
      error("Basic QWxh*GRpbjpvcGVuIHNlc2FtZQ==", kMalformed),  // foreign character
      error("Basic 8J-YgDrvv78=", kMalformed),                  // base64url '-'
      error("Basic YTr_", kMalformed),                          // base64url '_'
      error("Basic YTpi=YTpi", kMalformed),                     // '=' inside
      error("Basic YQ==YTpi", kMalformed),                      // padding then data
      error("Basic ====", kMalformed),
      error("Basic =", kMalformed),
      error("Basic YTpiYx==", kMalformed),  // "a:bc" with non-zero pad bits
      error("Basic YWxpY2U=", kMalformed),  // "alice": no ':'
      error("Basic realm=x", kMalformed),
      error("B@sic YTpi", kMalformed),

      // Decoded bytes must be strict UTF-8.
      error("Basic YcCvOng=", kUtf8),  // overlong '/' (C0 AF)
      error("Basic 4ICAOng=", kUtf8),  // overlong 3-byte NUL
      error("Basic 8ICAgDp4", kUtf8),  // overlong 4-byte NUL
      error("Basic YTrtoIA=", kUtf8),  // surrogate U+D800 in the password
      error("Basic 9JCAgDp4", kUtf8),  // above U+10FFFF
      error("Basic YcM6eA==", kUtf8),  // truncated sequence
      error("Basic gDp4", kUtf8),      // lone continuation byte
      error("Basic YTr/", kUtf8),      // 0xFF

      // RFC 7617 §2: no CTLs in user-id or password.
      error("Basic YWwJaWNlOnB3", kCtl),      // tab in user
      error("Basic YWxpY2U6cHcA", kCtl),      // NUL in password
      error("Basic YWxpY2U6cHd/", kCtl),      // DEL
      error("Basic YWxpY2U6cHcNCg==", kCtl),  // CR LF

      // RFC 6750 bearer tokens.
      bearer("Bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM"),
      bearer("bearer abc.DEF-123_~+/", "abc.DEF-123_~+/"),
      bearer("BEARER  lkp_abc==", "lkp_abc=="),
      error("Bearer", kMalformed),
      error("Bearer ", kMalformed),
      error("Bearer =", kMalformed),
      error("Bearer ab=c", kMalformed),
      error("Bearer a b", kMalformed),
      error("Bearer a,b", kMalformed),
      error("Bearer a*b", kMalformed),

      // Schemes we do not speak.
      error("Digest username=\"x\", realm=\"y\"", kUnsupported),
      error("Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg", kUnsupported),
      error("Basicx YTpi", kUnsupported),
      error("Token abc", kUnsupported),
      error("YTpi", kUnsupported),
  };
  return table;
}

std::string describe(const Authorization& a) {
  if (const auto* b = std::get_if<BasicCredentials>(&a)) return "basic(" + b->username + ")";
  if (const auto* t = std::get_if<BearerToken>(&a)) return "bearer(" + t->token + ")";
  return "error(" + std::string(to_string(std::get<AuthorizationError>(a))) + ")";
}

std::string base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(authorization_header)

BOOST_AUTO_TEST_CASE(table_of_raw_headers) {
  for (const Case& c : cases()) {
    BOOST_TEST_CONTEXT("header: \"" << c.header << "\"") {
      const Authorization got = parse_authorization(c.header);
      switch (c.kind) {
        case Kind::basic: {
          const auto* b = std::get_if<BasicCredentials>(&got);
          BOOST_TEST_REQUIRE(b != nullptr, "got " << describe(got));
          BOOST_TEST(b->username == c.first);
          BOOST_TEST(b->password == c.second);
          break;
        }
        case Kind::bearer: {
          const auto* t = std::get_if<BearerToken>(&got);
          BOOST_TEST_REQUIRE(t != nullptr, "got " << describe(got));
          BOOST_TEST(t->token == c.first);
          break;
        }
        case Kind::error: {
          const auto* e = std::get_if<AuthorizationError>(&got);
          BOOST_TEST_REQUIRE(e != nullptr, "got " << describe(got));
          BOOST_TEST(to_string(*e) == to_string(c.error));
          break;
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_control_character_is_rejected_in_user_and_password) {
  std::vector<char> controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  controls.push_back('\x7f');
  for (char c : controls) {
    BOOST_TEST_CONTEXT("control 0x" << std::hex << int(static_cast<unsigned char>(c))) {
      const std::string in_user = "al"s + c + "ice:pw";
      const std::string in_password = "alice:p"s + c + "w";
      for (const std::string& raw : {in_user, in_password}) {
        const Authorization got = parse_authorization("Basic " + base64(raw));
        const auto* e = std::get_if<AuthorizationError>(&got);
        BOOST_TEST_REQUIRE(e != nullptr);
        BOOST_TEST(to_string(*e) == "control_character");
      }
    }
  }
  // Printable ASCII, the whole range, passes.
  std::string printable;
  for (int c = 0x20; c < 0x7f; ++c) {
    if (c != ':') printable.push_back(static_cast<char>(c));
  }
  const Authorization got = parse_authorization("Basic " + base64(printable + ":" + printable));
  const auto* b = std::get_if<BasicCredentials>(&got);
  BOOST_TEST_REQUIRE(b != nullptr);
  BOOST_TEST(b->username == printable);
  BOOST_TEST(b->password == printable);
}

BOOST_AUTO_TEST_CASE(round_trip_of_generated_credentials) {
  // Every length exercises every padding case of the decoder.
  for (std::size_t n = 0; n < 40; ++n) {
    std::string password;
    for (std::size_t i = 0; i < n; ++i) password.push_back(static_cast<char>('!' + (i * 7) % 90));
    const Authorization got = parse_authorization("Basic " + base64("user:" + password));
    const auto* b = std::get_if<BasicCredentials>(&got);
    BOOST_TEST_REQUIRE(b != nullptr, "length " << n << " got " << describe(got));
    BOOST_TEST(b->username == "user");
    BOOST_TEST(b->password == password);
  }
}

BOOST_AUTO_TEST_CASE(error_names) {
  BOOST_TEST(to_string(AuthorizationError::unsupported_scheme) == "unsupported_scheme");
  BOOST_TEST(to_string(AuthorizationError::malformed) == "malformed");
  BOOST_TEST(to_string(AuthorizationError::invalid_utf8) == "invalid_utf8");
  BOOST_TEST(to_string(AuthorizationError::control_character) == "control_character");
}

BOOST_AUTO_TEST_SUITE_END()

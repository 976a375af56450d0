// libFuzzer target: any bytes as an Authorization field value. The parser must return a
// result (never crash, never read out of bounds), and what it returns keeps its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "auth/authorization_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace latchkey::auth;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Authorization parsed = parse_authorization(input);
  if (const auto* basic = std::get_if<BasicCredentials>(&parsed)) {
    // RFC 7617: the user-id never holds the colon that separated it from the password.
    if (basic->username.find(':') != std::string_view::npos) std::abort();
    for (const unsigned char c : basic->username + basic->password) {
      if (c < 0x20 || c == 0x7f) std::abort();  // control characters are refused
    }
  } else if (const auto* bearer = std::get_if<BearerToken>(&parsed)) {
    if (bearer->token.empty()) std::abort();
  } else {
    (void)to_string(std::get<AuthorizationError>(parsed));
  }
  return 0;
}

// TOTP (RFC 6238) over HOTP (RFC 4226), plus the otpauth:// enrolment URI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::auth {

enum class TotpAlgorithm { sha1, sha256, sha512 };

inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226 §4 recommendation

std::string hotp_code(std::string_view secret, std::uint64_t counter, int digits = 6,
                      TotpAlgorithm algorithm = TotpAlgorithm::sha1);

std::int64_t totp_step(std::int64_t unix_seconds);

// Accepts a 6-digit code for the step before, at or after `unix_seconds`, but only a step
// later than `last_accepted_step` so that each code works once. Returns the accepted step.
std::optional<std::int64_t> verify_totp(std::string_view secret, std::string_view code,
                                        std::int64_t unix_seconds,
                                        std::optional<std::int64_t> last_accepted_step);

// otpauth://totp/latchkey:USER?secret=BASE32&issuer=latchkey&algorithm=SHA1&digits=6&period=30
std::string otpauth_uri(std::string_view username, std::string_view secret);

// The AAD under which a user's TOTP secret is sealed (SecretBox): a sealed value moved to
// another row does not open. Shared by the CLI and the self-service page.
std::string totp_seal_context(std::int64_t user_id);

// RFC 4648 base32, upper case, no padding (what authenticator apps expect).
std::string base32_encode(std::string_view bytes);
std::optional<std::string> base32_decode(std::string_view text);  // ignores case, spaces, '='

}  // namespace latchkey::auth

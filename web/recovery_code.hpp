// TOTP recovery codes: ten per account, each usable once instead of a TOTP code. Ten symbols
// of Crockford's base32 alphabet (50 random bits), shown as "xxxxx-xxxxx"; stored only as
// KeyedHasher::digest(kRecoveryCodeDigestLabel, normalized).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::web {

inline constexpr std::size_t kRecoveryCodeCount = 10;
inline constexpr std::size_t kRecoveryCodeSymbols = 10;
inline constexpr std::string_view kRecoveryCodeDigestLabel = "recovery_code";

// "abcde-fghjk".
std::string generate_recovery_code();

// The 10 lower-case symbols, or nullopt when `typed` cannot be a recovery code. Dashes,
// spaces and case are ignored; the look-alikes i/l -> 1 and o -> 0 are mapped.
std::optional<std::string> normalize_recovery_code(std::string_view typed);

// A TOTP code as typed ("123 456" too): the six digits, or nullopt.
std::optional<std::string> normalize_totp_code(std::string_view typed);

}  // namespace latchkey::web

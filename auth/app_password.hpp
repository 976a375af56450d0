// Application passwords: 16 symbols of Crockford's base32 alphabet, the last one
// a Luhn mod 32 check symbol over the first 15 (75 random bits).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::auth {

inline constexpr std::size_t kAppPasswordSymbols = 16;

// Domain label of the stored digest: KeyedHasher::digest(kAppPasswordDigestLabel, canonical).
inline constexpr std::string_view kAppPasswordDigestLabel = "app_password";

// A fresh password in canonical form: 16 lower-case symbols, no dashes.
std::string generate_app_password();

// Canonical form for hashing and comparison, or nullopt when the input cannot be an
// application password (wrong length, foreign symbol, bad check symbol). Dashes and
// spaces are dropped, case folded, and the look-alikes i/l -> 1 and o -> 0 mapped.
std::optional<std::string> normalize_app_password(std::string_view typed);

// "abcd-efgh-jkmn-pqrs" for display.
std::string format_app_password(std::string_view canonical);

}  // namespace latchkey::auth

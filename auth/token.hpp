// Bearer tokens (DESIGN.md §4): a fixed prefix per kind so secret scanners find leaked ones,
// 27 base62 symbols of randomness (160.7 bits) and a 6-symbol base62 CRC32 of everything
// before it, so a mistyped or truncated token is refused without a database round trip.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::auth {

enum class TokenKind { permanent, access, refresh };

inline constexpr std::size_t kTokenRandomSymbols = 27;  // 27 * log2(62) > 160 bits
inline constexpr std::size_t kTokenCheckSymbols = 6;    // 62^6 > 2^32
inline constexpr std::size_t kTokenLength = 4 + kTokenRandomSymbols + kTokenCheckSymbols;

// "lkp_", "lka_", "lkr_".
std::string_view token_prefix(TokenKind kind);
// "permanent", "access", "refresh": the kind column and the log.
std::string_view to_string(TokenKind kind);
std::optional<TokenKind> token_kind_from_string(std::string_view text);

// Domain label of the stored digest, one per kind: KeyedHasher::digest(label, token).
std::string_view token_digest_label(TokenKind kind);

// A fresh token of `kind`.
std::string generate_token(TokenKind kind);

// The kind of a well-formed token (known prefix, length, alphabet, check symbols), else
// nullopt. Exact bytes: tokens are machine-handled, so no case folding or trimming.
std::optional<TokenKind> parse_token(std::string_view text);

// Whether `text` starts like a token of any kind (then it is never an application password).
bool looks_like_token(std::string_view text);

// CRC-32 (IEEE 802.3, as zlib computes it).
std::uint32_t crc32(std::string_view bytes);

}  // namespace latchkey::auth

#include "auth/token.hpp"

#include <array>

#include "auth/random.hpp"

namespace latchkey::auth {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kPrefixLength = 4;

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Fixed-width base62 of a CRC, most significant symbol first.
std::string check_symbols(std::string_view body) {
  std::uint64_t value = crc32(body);
  std::string out(kTokenCheckSymbols, '0');
  for (std::size_t i = kTokenCheckSymbols; i-- > 0;) {
    out[i] = kBase62[value % 62];
    value /= 62;
  }
  return out;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t c = 0xFFFFFFFFU;
  for (char ch : bytes) c = kCrcTable[(c ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

std::string_view token_prefix(TokenKind kind) {
  switch (kind) {
    case TokenKind::permanent:
      return "lkp_";
    case TokenKind::access:
      return "lka_";
    case TokenKind::refresh:
      return "lkr_";
  }
  return "";
}

std::string_view to_string(TokenKind kind) {
  switch (kind) {
    case TokenKind::permanent:
      return "permanent";
    case TokenKind::access:
      return "access";
    case TokenKind::refresh:
      return "refresh";
  }
  return "";
}

std::optional<TokenKind> token_kind_from_string(std::string_view text) {
  for (TokenKind kind : {TokenKind::permanent, TokenKind::access, TokenKind::refresh}) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

std::string_view token_digest_label(TokenKind kind) {
  switch (kind) {
    case TokenKind::permanent:
      return "token_permanent";
    case TokenKind::access:
      return "token_access";
    case TokenKind::refresh:
      return "token_refresh";
  }
  return "";
}

std::string generate_token(TokenKind kind) {
  std::string token(token_prefix(kind));
  token.reserve(kTokenLength);
  // Rejection sampling: bytes of 248 and above would favour the first symbols (248 = 4 * 62).
  while (token.size() < kPrefixLength + kTokenRandomSymbols) {
    for (char b : random_bytes(32)) {
      const auto byte = static_cast<unsigned char>(b);
      if (byte >= 248) continue;
      token.push_back(kBase62[byte % 62]);
      if (token.size() == kPrefixLength + kTokenRandomSymbols) break;
    }
  }
  token += check_symbols(token);
  return token;
}

bool looks_like_token(std::string_view text) {
  for (TokenKind kind : {TokenKind::permanent, TokenKind::access, TokenKind::refresh}) {
    if (text.starts_with(token_prefix(kind))) return true;
  }
  return false;
}

std::optional<TokenKind> parse_token(std::string_view text) {
  if (text.size() != kTokenLength) return std::nullopt;
  std::optional<TokenKind> kind;
  for (TokenKind k : {TokenKind::permanent, TokenKind::access, TokenKind::refresh}) {
    if (text.starts_with(token_prefix(k))) kind = k;
  }
  if (!kind) return std::nullopt;
  const std::string_view rest = text.substr(kPrefixLength);
  for (char c : rest) {
    if (!is_base62(c)) return std::nullopt;
  }
  const std::string_view body = text.substr(0, kTokenLength - kTokenCheckSymbols);
  // The check symbols are no secret (anyone can compute them), so a plain compare is fine.
  if (check_symbols(body) != text.substr(body.size())) return std::nullopt;
  return kind;
}

}  // namespace latchkey::auth

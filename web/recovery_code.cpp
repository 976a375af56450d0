#include "web/recovery_code.hpp"

#include "auth/random.hpp"

namespace latchkey::web {
namespace {

constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr std::size_t kGroup = 5;

std::optional<char> symbol_for(char c) {
  if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (c == 'i' || c == 'l') c = '1';
  if (c == 'o') c = '0';
  if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
  return c;
}

}  // namespace

std::string generate_recovery_code() {
  const std::string random = auth::random_bytes(kRecoveryCodeSymbols);
  std::string code;
  for (std::size_t i = 0; i < kRecoveryCodeSymbols; ++i) {
    if (i == kGroup) code += '-';
    // 256 is a multiple of 32: taking the low five bits keeps every symbol equally likely.
    code += kAlphabet[static_cast<unsigned char>(random[i]) % kAlphabet.size()];
  }
  return code;
}

std::optional<std::string> normalize_recovery_code(std::string_view typed) {
  std::string code;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    const auto symbol = symbol_for(c);
    if (!symbol || code.size() == kRecoveryCodeSymbols) return std::nullopt;
    code += *symbol;
  }
  if (code.size() != kRecoveryCodeSymbols) return std::nullopt;
  return code;
}

std::optional<std::string> normalize_totp_code(std::string_view typed) {
  std::string code;
  for (char c : typed) {
    if (c == ' ') continue;
    if (c < '0' || c > '9' || code.size() == 6) return std::nullopt;
    code += c;
  }
  if (code.size() != 6) return std::nullopt;
  return code;
}

}  // namespace latchkey::web

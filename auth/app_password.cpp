#include "auth/app_password.hpp"

#include <array>
#include <cstdint>

#include "auth/random.hpp"

namespace latchkey::auth {
namespace {

// Crockford's base32, lower case: no i, l, o, u, so nothing reads as 1, 0 or a rude word.
constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr int kRadix = 32;
constexpr std::size_t kRandomSymbols = kAppPasswordSymbols - 1;
static_assert(kAlphabet.size() == kRadix);

// Symbol value of a lower-case character after look-alike mapping, or -1.
constexpr std::array<std::int8_t, 256> make_symbol_values() {
  std::array<std::int8_t, 256> values{};
  for (auto& v : values) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  values['i'] = 1;  // Crockford: i and l read as one, o as zero; u stays invalid
  values['l'] = 1;
  values['o'] = 0;
  return values;
}
constexpr auto kSymbolValues = make_symbol_values();

// Luhn mod N sum: from the right, every second symbol (starting with the rightmost one when
// `first_doubled`) is doubled and its base-N digits added. Catches every single-symbol error
// and most adjacent transpositions.
int luhn_sum(const std::array<int, kAppPasswordSymbols>& digits, std::size_t count,
             bool first_doubled) {
  int sum = 0;
  bool doubled = first_doubled;
  for (std::size_t i = count; i-- > 0;) {
    int addend = digits[i] * (doubled ? 2 : 1);
    addend = addend / kRadix + addend % kRadix;
    sum += addend;
    doubled = !doubled;
  }
  return sum % kRadix;
}

int check_symbol(const std::array<int, kAppPasswordSymbols>& digits) {
  return (kRadix - luhn_sum(digits, kRandomSymbols, true)) % kRadix;
}

}  // namespace

std::string generate_app_password() {
  // 15 symbols x 5 bits = 75 bits; 10 random bytes give 80, each symbol takes exactly 5
  // fresh bits, so every symbol is uniform (no modulo bias).
  const std::string bytes = random_bytes(10);
  std::array<int, kAppPasswordSymbols> digits{};
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t next_byte = 0;
  for (std::size_t i = 0; i < kRandomSymbols; ++i) {
    if (bits < 5) {
      buffer = (buffer << 8) | static_cast<unsigned char>(bytes[next_byte++]);
      bits += 8;
    }
    bits -= 5;
    digits[i] = static_cast<int>((buffer >> bits) & 0x1f);
  }
  digits[kRandomSymbols] = check_symbol(digits);
  std::string out;
  out.reserve(kAppPasswordSymbols);
  for (int d : digits) out.push_back(kAlphabet[static_cast<std::size_t>(d)]);
  return out;
}

std::optional<std::string> normalize_app_password(std::string_view typed) {
  std::array<int, kAppPasswordSymbols> digits{};
  std::size_t count = 0;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;  // display grouping and copy-paste artefacts
    if (count == kAppPasswordSymbols) return std::nullopt;  // too long: stop early
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 'A' && u <= 'Z') u = static_cast<unsigned char>(u - 'A' + 'a');
    const int value = kSymbolValues[u];
    if (value < 0) return std::nullopt;
    digits[count++] = value;
  }
  if (count != kAppPasswordSymbols) return std::nullopt;
  // A typo is caught here, before any database round trip.
  if (luhn_sum(digits, kAppPasswordSymbols, false) != 0) return std::nullopt;
  std::string canonical;
  canonical.reserve(kAppPasswordSymbols);
  for (int d : digits) canonical.push_back(kAlphabet[static_cast<std::size_t>(d)]);
  return canonical;
}

std::string format_app_password(std::string_view canonical) {
  std::string out;
  out.reserve(canonical.size() + canonical.size() / 4);
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    if (i != 0 && i % 4 == 0) out.push_back('-');
    out.push_back(canonical[i]);
  }
  return out;
}

}  // namespace latchkey::auth

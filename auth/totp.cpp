#include "auth/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

#include "auth/keyed_hash.hpp"

namespace latchkey::auth {
namespace {

constexpr int kMinDigits = 6;  // RFC 4226 §5.3: at least 6 digits
constexpr int kMaxDigits = 9;  // 10^9 still fits the 31-bit truncated value
constexpr int kVerifyDigits = 6;
constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kIssuer = "latchkey";

const EVP_MD* message_digest(TotpAlgorithm algorithm) {
  switch (algorithm) {
    case TotpAlgorithm::sha1:
      return EVP_sha1();
    case TotpAlgorithm::sha256:
      return EVP_sha256();
    case TotpAlgorithm::sha512:
      return EVP_sha512();
  }
  throw std::invalid_argument("unknown TOTP algorithm");
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 §2.1 percent-encoding of everything outside the unreserved set.
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

}  // namespace

std::string hotp_code(std::string_view secret, std::uint64_t counter, int digits,
                      TotpAlgorithm algorithm) {
  if (digits < kMinDigits || digits > kMaxDigits) {
    throw std::invalid_argument("HOTP digits must be between 6 and 9");
  }
  // RFC 4226 §5.2: the counter is an 8-byte big-endian value.
  std::array<unsigned char, 8> message{};
  for (std::size_t i = 0; i < message.size(); ++i) {
    message[message.size() - 1 - i] = static_cast<unsigned char>(counter >> (8 * i));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  static const unsigned char kNoKey = 0;
  const auto* key =
      secret.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(secret.data());
  if (HMAC(message_digest(algorithm), key, static_cast<int>(secret.size()), message.data(),
           message.size(), mac.data(), &mac_len) == nullptr ||
      mac_len < 20) {
    throw std::runtime_error("HOTP HMAC failed");
  }
  // RFC 4226 §5.3 dynamic truncation: low nibble of the last byte picks 4 bytes, top bit off.
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::uint32_t value = binary % modulus;
  std::string code(static_cast<std::size_t>(digits), '0');
  for (std::size_t i = code.size(); i-- > 0;) {
    code[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return code;
}

std::int64_t totp_step(std::int64_t unix_seconds) {
  // RFC 6238 §4.2 with T0 = 0; floor division so times before 1970 do not share step 0.
  std::int64_t step = unix_seconds / kTotpStepSeconds;
  if (unix_seconds % kTotpStepSeconds < 0) --step;
  return step;
}

std::optional<std::int64_t> verify_totp(std::string_view secret, std::string_view code,
                                        std::int64_t unix_seconds,
                                        std::optional<std::int64_t> last_accepted_step) {
  if (code.size() != static_cast<std::size_t>(kVerifyDigits)) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const std::int64_t now_step = totp_step(unix_seconds);
  std::optional<std::int64_t> accepted;
  // RFC 6238 §5.2: one step of clock drift either way. All candidates are computed and
  // compared in constant time, so timing does not reveal which step matched.
  for (std::int64_t step = now_step - 1; step <= now_step + 1; ++step) {
    if (step < 0) continue;
    // RFC 6238 §5.2: a code must not be accepted twice (replay of an observed code).
    if (last_accepted_step && step <= *last_accepted_step) continue;
    const std::string expected =
        hotp_code(secret, static_cast<std::uint64_t>(step), kVerifyDigits, TotpAlgorithm::sha1);
    if (constant_time_equal(expected, code)) accepted = step;
  }
  return accepted;
}

std::string otpauth_uri(std::string_view username, std::string_view secret) {
  // Key URI format: label "issuer:account", issuer repeated as a parameter.
  std::string uri = "otpauth://totp/";
  uri += kIssuer;
  uri += ':';
  uri += percent_encode(username);
  uri += "?secret=";
  uri += base32_encode(secret);
  uri += "&issuer=";
  uri += kIssuer;
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '=') continue;
    int value = -1;
    if (ch >= 'A' && ch <= 'Z')
      value = ch - 'A';
    else if (ch >= 'a' && ch <= 'z')
      value = ch - 'a';
    else if (ch >= '2' && ch <= '7')
      value = ch - '2' + 26;
    if (value < 0) return std::nullopt;
    ++symbols;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // RFC 4648 §6: a final quantum has 2, 4, 5 or 7 symbols; 1, 3 or 6 cannot come from bytes.
  const std::size_t tail = symbols % 8;
  if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
  // Leftover bits must be zero, so each byte string has exactly one encoding.
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string totp_seal_context(std::int64_t user_id) {
  return "totp:user:" + std::to_string(user_id);
}

}  // namespace latchkey::auth

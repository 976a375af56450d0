#include "auth/authorization_header.hpp"

#include <array>
#include <cstdint>
#include <optional>

#include "text/ascii.hpp"

namespace latchkey::auth {
namespace {

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

constexpr std::array<std::int8_t, 256> make_base64_values() {
  std::array<std::int8_t, 256> v{};
  for (auto& x : v) x = -1;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    v[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return v;
}
constexpr auto kBase64Values = make_base64_values();

// Strict RFC 4648 §4 base64: padded to a multiple of 4, '=' only at the end, zero pad bits,
// so every credential has exactly one accepted encoding.
std::optional<std::string> decode_base64_strict(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (in.back() == '=') ++padding;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++padding;
  if (padding == 1 && in.back() != '=') return std::nullopt;
  const std::string_view body = in.substr(0, in.size() - padding);
  std::string out;
  out.reserve(in.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : body) {
    const int value = kBase64Values[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;  // also catches '=' in the middle
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Strict UTF-8 (RFC 3629 §4): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  while (i < s.size()) {
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead == 0xe0) {
      length = 3;
      second_min = 0xa0;  // below is an overlong 2-byte form
    } else if (lead == 0xed) {
      length = 3;
      second_max = 0x9f;  // above is a UTF-16 surrogate
    } else if (lead >= 0xe1 && lead <= 0xef) {
      length = 3;
    } else if (lead == 0xf0) {
      length = 4;
      second_min = 0x90;  // below is an overlong 3-byte form
    } else if (lead >= 0xf1 && lead <= 0xf3) {
      length = 4;
    } else if (lead == 0xf4) {
      length = 4;
      second_max = 0x8f;  // above is beyond U+10FFFF
    } else {
      return false;  // continuation byte, 0xc0/0xc1 overlong lead, or 0xf5..0xff
    }
    if (s.size() - i < length) return false;
    if (byte(i + 1) < second_min || byte(i + 1) > second_max) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return false;
    }
    i += length;
  }
  return true;
}

// RFC 5234 Appendix B.1 CTL.
bool has_control_character(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_b64token(std::string_view s) {
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < s.size(); ++i) {
    if (s[i] != '=') return false;
  }
  return true;
}

Authorization parse_basic(std::string_view token68) {
  std::optional<std::string> decoded = decode_base64_strict(token68);
  if (!decoded) return AuthorizationError::malformed;
  // RFC 7617 §2: the user-id cannot contain ':', so the first one separates.
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return AuthorizationError::malformed;
  if (!is_valid_utf8(*decoded)) return AuthorizationError::invalid_utf8;
  if (has_control_character(*decoded)) return AuthorizationError::control_character;
  // An empty user-id is syntactically fine; the authenticator refuses it as an unknown user.
  BasicCredentials credentials;
  credentials.username = decoded->substr(0, colon);
  credentials.password = decoded->substr(colon + 1);
  return credentials;
}

}  // namespace

Authorization parse_authorization(std::string_view field_value) {
  // RFC 9110 §5.5: OWS around a field value is not part of it.
  field_value = text::trim_ows(field_value);

  const std::size_t space = field_value.find(' ');
  const std::string_view scheme = field_value.substr(0, space);
  if (scheme.empty()) return AuthorizationError::malformed;
  for (char c : scheme) {
    if (!is_tchar(c)) return AuthorizationError::malformed;
  }
  const bool basic = text::iequals(scheme, "basic");
  const bool bearer = text::iequals(scheme, "bearer");
  if (!basic && !bearer) return AuthorizationError::unsupported_scheme;
  if (space == std::string_view::npos) return AuthorizationError::malformed;

  std::string_view credentials = field_value.substr(space);
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  // Exactly one token follows: a second one (or a tab, or a comma list) is not ours to guess.
  if (credentials.empty()) return AuthorizationError::malformed;
  for (char c : credentials) {
    if (is_ows(c) || c == ',') return AuthorizationError::malformed;
  }

  if (basic) return parse_basic(credentials);
  if (!is_b64token(credentials)) return AuthorizationError::malformed;
  return BearerToken{std::string(credentials)};
}

std::string_view to_string(AuthorizationError e) {
  switch (e) {
    case AuthorizationError::unsupported_scheme:
      return "unsupported_scheme";
    case AuthorizationError::malformed:
      return "malformed";
    case AuthorizationError::invalid_utf8:
      return "invalid_utf8";
    case AuthorizationError::control_character:
      return "control_character";
  }
  return "unknown";
}

}  // namespace latchkey::auth

// JSON Web Signatures (RFC 7515) in compact form, for the identity assertion latchkey sends
// upstream: EdDSA (Ed25519, RFC 8037), ES256 (P-256, RFC 7518 §3.4) and HS256. Keys are
// parsed once, at start-up; signing is pure computation (microseconds), safe on IO threads,
// and one key may sign from several threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::auth::jws {

enum class Algorithm { eddsa, es256, hs256 };

// The JOSE "alg" value: "EdDSA", "ES256", "HS256".
std::string_view algorithm_name(Algorithm algorithm);

// RFC 7515 §2: base64url without padding.
std::string base64url_encode(std::string_view bytes);
// Strict inverse: nullopt for padding, characters outside the alphabet, a length of 4n+1, or
// stray bits in the last character.
std::optional<std::string> base64url_decode(std::string_view text);

// The members of a JWK that RFC 7638 §3.2 requires for its kty, as (name, string value).
using JwkMembers = std::vector<std::pair<std::string, std::string>>;

// RFC 7638 §3: base64url(SHA-256) of the required members, sorted by name, without whitespace.
// Values must need no JSON escaping (they are base64url or fixed names).
std::string jwk_thumbprint(JwkMembers required_members);

class SigningKey {
 public:
  // EdDSA and ES256 take a PEM private key (PKCS#8 or the traditional form, unencrypted) of
  // type Ed25519 or EC P-256; HS256 takes the secret itself, at least 32 bytes. On failure
  // `why` says what is wrong without quoting any key material.
  static std::optional<SigningKey> load(Algorithm algorithm, std::string_view material,
                                        std::string& why);

  Algorithm algorithm() const { return algorithm_; }
  // RFC 7638 thumbprint of the public key; for HS256, a keyed digest that reveals nothing of
  // the secret but still changes when it does.
  const std::string& kid() const { return kid_; }
  // kty, crv, x (and y for EC); empty for HS256, whose key must never be published.
  const JwkMembers& public_jwk() const { return public_jwk_; }

  // The raw signature over `signing_input` (RFC 7515 §5.1): 64 bytes for Ed25519, R || S of
  // 32 bytes each for ES256 (RFC 7518 §3.4, not DER), 32 bytes of HMAC-SHA-256 for HS256.
  // nullopt when OpenSSL fails.
  std::optional<std::string> sign(std::string_view signing_input) const;

 private:
  struct Key;
  Algorithm algorithm_ = Algorithm::eddsa;
  std::shared_ptr<const Key> key_;
  std::string kid_;
  JwkMembers public_jwk_;
};

// The compact serialization header.payload.signature of `payload_json` under the protected
// header {"alg", "typ":"JWT", "kid"}; nullopt when signing fails.
std::optional<std::string> sign_compact(const SigningKey& key, std::string_view payload_json);

}  // namespace latchkey::auth::jws

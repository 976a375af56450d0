#include "auth/jws.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>

#include "auth/keyed_hash.hpp"

namespace latchkey::auth::jws {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kMinHmacSecretBytes = 32;  // RFC 7518 §3.2: at least the hash size
constexpr int kP256CoordinateBytes = 32;
constexpr std::string_view kHmacKidLabel = "latchkey jws kid";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};

// Never prompt on a terminal for a passphrase: an encrypted key is refused instead.
int refuse_passphrase(char*, int, int, void*) {
  return -1;
}

std::unique_ptr<EVP_PKEY, PkeyFree> read_private_key(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, &refuse_passphrase, nullptr));
  ERR_clear_error();  // a refused key leaves errors queued that would confuse a later caller
  return key;
}

std::string bignum_bytes(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return {};
  std::unique_ptr<BIGNUM, BnFree> value(raw);
  std::string out(kP256CoordinateBytes, '\0');
  if (BN_bn2binpad(value.get(), reinterpret_cast<unsigned char*>(out.data()),
                   kP256CoordinateBytes) != kP256CoordinateBytes) {
    return {};
  }
  return out;
}

std::string group_name(const EVP_PKEY* key) {
  std::array<char, 64> name{};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                     &length) != 1) {
    return {};
  }
  return std::string(name.data(), length);
}

// The JWK of the public half, or empty with `why` set when the key is not the right type.
JwkMembers public_members(Algorithm algorithm, const EVP_PKEY* key, std::string& why) {
  if (algorithm == Algorithm::eddsa) {
    if (EVP_PKEY_is_a(key, "ED25519") != 1) {
      why = "is not an Ed25519 private key, which EdDSA needs";
      return {};
    }
    std::array<unsigned char, 32> x{};
    std::size_t length = x.size();
    if (EVP_PKEY_get_raw_public_key(key, x.data(), &length) != 1 || length != x.size()) {
      why = "has no readable Ed25519 public key";
      return {};
    }
    return {{"crv", "Ed25519"},
            {"kty", "OKP"},
            {"x", base64url_encode({reinterpret_cast<const char*>(x.data()), length})}};
  }
  if (EVP_PKEY_is_a(key, "EC") != 1 || group_name(key) != "prime256v1") {
    why = "is not an EC P-256 private key, which ES256 needs";
    return {};
  }
  const std::string x = bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_X);
  const std::string y = bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (x.empty() || y.empty()) {
    why = "has no readable P-256 public key";
    return {};
  }
  return {{"crv", "P-256"}, {"kty", "EC"}, {"x", base64url_encode(x)}, {"y", base64url_encode(y)}};
}

std::optional<std::string> digest_sign(EVP_PKEY* key, const EVP_MD* md, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  // Ed25519 signs the message itself ("PureEdDSA"), so it takes no digest.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1) return std::nullopt;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) != 1) return std::nullopt;
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                     input.size()) != 1) {
    return std::nullopt;
  }
  signature.resize(length);
  return signature;
}

// OpenSSL writes ECDSA signatures as DER SEQUENCE { r, s }; JOSE wants fixed-width R || S.
std::optional<std::string> der_to_jose(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kP256CoordinateBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, bytes, kP256CoordinateBytes) != kP256CoordinateBytes ||
      BN_bn2binpad(s, bytes + kP256CoordinateBytes, kP256CoordinateBytes) != kP256CoordinateBytes) {
    return std::nullopt;
  }
  return out;
}

std::string_view digest_view(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

struct SigningKey::Key {
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey;  // EdDSA, ES256
  std::string secret;                        // HS256
};

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::eddsa:
      return "EdDSA";
    case Algorithm::es256:
      return "ES256";
    case Algorithm::hs256:
      return "HS256";
  }
  return "";
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const unsigned v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const auto index = kAlphabet.find(c);
    if (index == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // RFC 4648 §3.5: the unused low bits of the last character must be zero (one spelling only).
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string jwk_thumbprint(JwkMembers required_members) {
  std::sort(required_members.begin(), required_members.end());
  std::string json = "{";
  for (const auto& [name, value] : required_members) {
    if (json.size() > 1) json += ',';
    json += '"' + name + "\":\"" + value + '"';
  }
  json += '}';
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(json.data(), json.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return base64url_encode({reinterpret_cast<const char*>(digest.data()), length});
}

std::optional<SigningKey> SigningKey::load(Algorithm algorithm, std::string_view material,
                                           std::string& why) {
  auto key = std::make_shared<Key>();
  SigningKey out;
  out.algorithm_ = algorithm;
  if (algorithm == Algorithm::hs256) {
    if (material.size() < kMinHmacSecretBytes) {
      why = "an HS256 secret must be at least 32 bytes long";
      return std::nullopt;
    }
    key->secret = std::string(material);
    // Not a thumbprint: that would be a plain hash of the secret, an offline-guessing oracle.
    const Digest tag = hmac_sha256(key->secret, kHmacKidLabel);
    out.kid_ = base64url_encode(digest_view(tag).substr(0, 16));
    out.key_ = std::move(key);
    return out;
  }
  key->pkey = read_private_key(material);
  if (!key->pkey) {
    why = "does not hold an unencrypted PEM private key";
    return std::nullopt;
  }
  out.public_jwk_ = public_members(algorithm, key->pkey.get(), why);
  if (out.public_jwk_.empty()) return std::nullopt;
  out.kid_ = jwk_thumbprint(out.public_jwk_);
  out.key_ = std::move(key);
  return out;
}

std::optional<std::string> SigningKey::sign(std::string_view signing_input) const {
  if (!key_) return std::nullopt;
  std::optional<std::string> signature;
  switch (algorithm_) {
    case Algorithm::eddsa:
      signature = digest_sign(key_->pkey.get(), nullptr, signing_input);
      break;
    case Algorithm::es256:
      signature = digest_sign(key_->pkey.get(), EVP_sha256(), signing_input);
      if (signature) signature = der_to_jose(*signature);
      break;
    case Algorithm::hs256:
      try {
        signature = std::string(digest_view(hmac_sha256(key_->secret, signing_input)));
      } catch (const std::exception&) {  // only when OpenSSL cannot allocate
        signature.reset();
      }
      break;
  }
  if (!signature) ERR_clear_error();
  return signature;
}

std::optional<std::string> sign_compact(const SigningKey& key, std::string_view payload_json) {
  // Every value is a fixed name or base64url, so no JSON escaping is needed.
  const std::string header = std::string(R"({"alg":")") +
                             std::string(algorithm_name(key.algorithm())) +
                             R"(","typ":"JWT","kid":")" + key.kid() + "\"}";
  std::string token = base64url_encode(header) + '.' + base64url_encode(payload_json);
  const auto signature = key.sign(token);
  if (!signature) return std::nullopt;
  token += '.';
  token += base64url_encode(*signature);
  return token;
}

}  // namespace latchkey::auth::jws

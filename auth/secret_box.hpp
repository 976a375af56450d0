// AES-256-GCM sealing of secrets that must be recoverable (TOTP seeds).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace latchkey::auth {

class SecretBox {
 public:
  explicit SecretBox(std::string key);  // throws std::invalid_argument unless 32 bytes

  // nonce(12) || ciphertext || tag(16); `context` is bound as AAD (e.g. "totp:user:42")
  // so a sealed value copied onto another row does not open.
  std::string seal(std::string_view plaintext, std::string_view context) const;
  std::optional<std::string> open(std::string_view sealed, std::string_view context) const;

 private:
  std::string key_;
};

}  // namespace latchkey::auth

#include "proxy/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace latchkey::proxy {

namespace {

void wipe(TicketKey& key) {
  OPENSSL_cleanse(&key, sizeof key);
}

// Wipes a copy of a key when it goes out of scope.
struct Wiped {
  TicketKey key;
  ~Wiped() { wipe(key); }
};

}  // namespace

TicketKeyRing::TicketKeyRing(Clock::duration rotate_every, Clock::duration ticket_lifetime,
                             MakeKey make_key)
    : rotate_every_(rotate_every),
      ticket_lifetime_(ticket_lifetime),
      make_key_(std::move(make_key)) {}

TicketKeyRing::~TicketKeyRing() {
  for (TicketKey& key : keys_) wipe(key);
}

void TicketKeyRing::drop_expired(Clock::time_point now) {
  // A key stops sealing rotate_every after its creation; its last ticket expires
  // ticket_lifetime later.
  while (!keys_.empty() && now - keys_.front().created >= rotate_every_ + ticket_lifetime_) {
    wipe(keys_.front());
    keys_.pop_front();
  }
}

TicketKey TicketKeyRing::for_sealing(Clock::time_point now) {
  drop_expired(now);
  if (keys_.empty() || now - keys_.back().created >= rotate_every_) {
    keys_.push_back(make_key_(now));
  }
  return keys_.back();
}

std::optional<TicketKeyRing::Opening> TicketKeyRing::for_opening(const unsigned char* name,
                                                                 Clock::time_point now) {
  drop_expired(now);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    // The name is not secret: it only picks the key, so a plain comparison is fine.
    if (std::memcmp(keys_[i].name.data(), name, keys_[i].name.size()) == 0) {
      const bool newest = i + 1 == keys_.size();
      return Opening{keys_[i], !newest || now - keys_[i].created >= rotate_every_};
    }
  }
  return std::nullopt;
}

TicketKey random_ticket_key(std::chrono::steady_clock::time_point now) {
  TicketKey key;
  key.created = now;
  if (RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) != 1 ||
      RAND_priv_bytes(key.cipher_key.data(), static_cast<int>(key.cipher_key.size())) != 1 ||
      RAND_priv_bytes(key.mac_key.data(), static_cast<int>(key.mac_key.size())) != 1) {
    wipe(key);
    throw std::runtime_error("no random bytes for a session ticket key");
  }
  return key;
}

namespace {

std::mutex ring_mutex;

TicketKeyRing& listeners_ring() {
  static TicketKeyRing ring(kTicketKeyRotation, kTicketLifetime, random_ticket_key);
  return ring;
}

bool set_mac_key(EVP_MAC_CTX* mac, TicketKey& key) {
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.mac_key.data(), key.mac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

// OpenSSL's ticket callback: 1 sealed or opened, 2 opened and to be renewed, 0 unknown key
// (a full handshake follows), -1 failure.
int seal_or_open(SSL*, unsigned char name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                 EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int seal) {
  try {
    const auto now = std::chrono::steady_clock::now();
    if (seal == 1) {
      Wiped copy{[&] {
        std::lock_guard lock(ring_mutex);
        return listeners_ring().for_sealing(now);
      }()};
      const int iv_length = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());
      if (RAND_bytes(iv, iv_length) != 1) return -1;
      std::memcpy(name, copy.key.name.data(), copy.key.name.size());
      if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, copy.key.cipher_key.data(), iv) !=
              1 ||
          !set_mac_key(mac, copy.key)) {
        return -1;
      }
      return 1;
    }
    std::optional<TicketKeyRing::Opening> opening;
    {
      std::lock_guard lock(ring_mutex);
      opening = listeners_ring().for_opening(name, now);
    }
    if (!opening) return 0;
    Wiped copy{opening->key};
    wipe(opening->key);
    if (!set_mac_key(mac, copy.key) || EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr,
                                                          copy.key.cipher_key.data(), iv) != 1) {
      return -1;
    }
    return opening->renew ? 2 : 1;
  } catch (...) {
    return -1;  // no exception may cross OpenSSL's C frames
  }
}

}  // namespace

void use_rotating_ticket_keys(SSL_CTX* context) {
  SSL_CTX_set_tlsext_ticket_key_evp_cb(context, seal_or_open);
  SSL_CTX_set_timeout(context, static_cast<long>(std::chrono::seconds(kTicketLifetime).count()));
}

}  // namespace latchkey::proxy

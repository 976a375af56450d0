// Session ticket keys for the TLS listeners, rotated. OpenSSL's own ticket key lives as long
// as its context, until a reload: one key read out of memory would open every ticket issued
// since the start, and with them the sessions they resume. Here a key seals new tickets for
// kTicketKeyRotation, opens them until they expire, and is then wiped.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>

namespace latchkey::proxy {

// How long a key seals new tickets, and how long a ticket (and its session) is valid.
inline constexpr std::chrono::hours kTicketKeyRotation{1};
inline constexpr std::chrono::hours kTicketLifetime{2};

struct TicketKey {
  std::array<unsigned char, 16> name{};        // sent in clear inside each ticket
  std::array<unsigned char, 32> cipher_key{};  // AES-256-CBC
  std::array<unsigned char, 32> mac_key{};     // HMAC-SHA-256
  std::chrono::steady_clock::time_point created;
};

// The keys, newest last. Not thread-safe; the listeners' ring below locks around it.
class TicketKeyRing {
 public:
  using Clock = std::chrono::steady_clock;
  using MakeKey = std::function<TicketKey(Clock::time_point)>;

  TicketKeyRing(Clock::duration rotate_every, Clock::duration ticket_lifetime, MakeKey make_key);
  ~TicketKeyRing();
  TicketKeyRing(const TicketKeyRing&) = delete;
  TicketKeyRing& operator=(const TicketKeyRing&) = delete;

  // The key new tickets are sealed with: a fresh one once the newest is `rotate_every` old.
  TicketKey for_sealing(Clock::time_point now);

  struct Opening {
    TicketKey key;
    bool renew;  // sealed by a key that no longer seals: the client should get a new ticket
  };
  // The key a ticket names, while tickets it sealed may still be valid; nullopt otherwise.
  std::optional<Opening> for_opening(const unsigned char* name, Clock::time_point now);

  std::size_t size() const { return keys_.size(); }

 private:
  void drop_expired(Clock::time_point now);

  Clock::duration rotate_every_;
  Clock::duration ticket_lifetime_;
  MakeKey make_key_;
  std::deque<TicketKey> keys_;
};

// A key from OpenSSL's private random generator; throws std::runtime_error when it fails.
TicketKey random_ticket_key(std::chrono::steady_clock::time_point now);

// Seals and opens `context`'s tickets with the process's ring (one for every listener, so
// tickets outlive a reload) and sets its session timeout to kTicketLifetime.
void use_rotating_ticket_keys(SSL_CTX* context);

}  // namespace latchkey::proxy

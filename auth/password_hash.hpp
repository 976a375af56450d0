// Argon2id for human-chosen account passwords (slow on purpose). Blocking: never call
// from an IO thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey::auth {

struct Argon2Params {
  std::uint32_t time_cost = 2;
  std::uint32_t memory_kib = 19 * 1024;  // OWASP's Argon2id minimum (m=19 MiB, t=2, p=1)
  std::uint32_t parallelism = 1;
};

// PHC string "$argon2id$v=19$m=...,t=...,p=...$salt$hash" with a 16-byte random salt.
std::string hash_password(std::string_view password, const Argon2Params& params = {});

// False for a wrong password and for a malformed encoded hash.
bool verify_password(std::string_view encoded, std::string_view password);

// A valid hash of a random password, built once; verified against when the user is
// unknown so that an unknown user costs the same work as a known one.
const std::string& dummy_password_hash();

// How many times verify_password has run in this process (a metric, and lets tests see that
// an unknown user still paid for one Argon2id verification).
std::uint64_t password_verification_count();

}  // namespace latchkey::auth

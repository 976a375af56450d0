#pragma once

#include <cstddef>
#include <string>

namespace latchkey::auth {

// Cryptographically secure random bytes (OpenSSL RAND_bytes); throws on failure.
std::string random_bytes(std::size_t count);

}  // namespace latchkey::auth

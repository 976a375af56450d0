#include "auth/random.hpp"

#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

namespace latchkey::auth {

std::string random_bytes(std::size_t count) {
  // RAND_bytes takes an int; nobody needs more than a few hundred bytes here.
  if (count > static_cast<std::size_t>(INT_MAX)) {
    throw std::length_error("random_bytes: count too large");
  }
  std::string out(count, '\0');
  if (count == 0) return out;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    // Never fall back to a weaker source: secrets built from it would be guessable.
    throw std::runtime_error("random_bytes: RAND_bytes failed");
  }
  return out;
}

}  // namespace latchkey::auth

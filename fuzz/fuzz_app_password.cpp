// libFuzzer target: any bytes typed as an application password. Normalization either refuses
// or returns the canonical form, which normalizes to itself and formats back to it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/app_password.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace latchkey::auth;
  const std::string_view typed(reinterpret_cast<const char*>(data), size);
  const auto canonical = normalize_app_password(typed);
  if (!canonical) return 0;
  if (canonical->size() != kAppPasswordSymbols) std::abort();
  if (normalize_app_password(*canonical) != canonical) std::abort();
  if (normalize_app_password(format_app_password(*canonical)) != canonical) std::abort();
  return 0;
}

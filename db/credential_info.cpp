#include "db/credential_info.hpp"

namespace latchkey::db {

std::string_view to_string(CredentialState state) {
  switch (state) {
    case CredentialState::active:
      return "active";
    case CredentialState::expired:
      return "expired";
    case CredentialState::revoked:
      return "revoked";
  }
  return "unknown";
}

CredentialState credential_state(bool revoked, bool expired) {
  if (revoked) return CredentialState::revoked;
  return expired ? CredentialState::expired : CredentialState::active;
}

}  // namespace latchkey::db

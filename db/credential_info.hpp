// What the lists show of an application password or a permanent token: the fields both
// have, and where the credential stands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/timestamp.hpp"

namespace latchkey::db {

enum class CredentialState { active, expired, revoked };

// "active", "expired" or "revoked", as the CLI and the self-service API show it.
std::string_view to_string(CredentialState state);

// A revoked credential shows as revoked even once it has also run out.
CredentialState credential_state(bool revoked, bool expired);

struct CredentialInfo {
  std::int64_t id = 0;
  std::string name;
  Timestamp created_at;
  std::optional<Timestamp> expires_at;
  std::optional<Timestamp> last_used_at;
  std::optional<std::string> last_used_from;
  std::optional<Timestamp> revoked_at;
  CredentialState state = CredentialState::active;
};

}  // namespace latchkey::db

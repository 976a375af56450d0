// Where an application password or a permanent token stands, as the admin lists show it.
#pragma once

#include <string_view>

namespace latchkey::db {

enum class CredentialState { active, expired, revoked };

// "active", "expired" or "revoked": the word the CLI tables and JSON print.
std::string_view to_string(CredentialState state);

// A revoked credential shows as revoked even once it has also run out.
CredentialState credential_state(bool revoked, bool expired);

}  // namespace latchkey::db

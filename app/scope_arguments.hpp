// --scope values of the admin commands, checked as RFC 6749 §3.3 scope tokens.
#pragma once

#include <string>
#include <vector>

#include "auth/scopes.hpp"

namespace latchkey::app {

// nullopt when none were given (the credential then carries every scope). Each value may
// hold several scopes separated by spaces or commas. Throws UsageError naming a bad one.
auth::Scopes scopes_from_arguments(const std::vector<std::string>& values);

// "all" or the space-joined list, for listings.
std::string scopes_for_display(const auth::Scopes& scopes);

}  // namespace latchkey::app

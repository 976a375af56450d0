// The account and credential names the admin actions take, read and checked: USER, USER NAME
// and --name NAME. Each throws UsageError naming what is missing or wrong.
#pragma once

#include <string>

#include "app/cli_arguments.hpp"

namespace latchkey::app {

// The one positional USER.
std::string user_argument(const CliArguments& arguments);

struct CredentialArguments {
  std::string username;
  std::string name;
};

// The positionals USER NAME of the revoke actions.
CredentialArguments credential_arguments(const CliArguments& arguments);

// --name NAME, required, of the actions that create a named credential.
std::string name_option(const CliArguments& arguments);

}  // namespace latchkey::app

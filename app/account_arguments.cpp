#include "app/account_arguments.hpp"

#include "app/commands.hpp"

namespace latchkey::app {

std::string user_argument(const CliArguments& arguments) {
  std::string username = arguments.positionals({"USER"})[0];
  check_username(username);
  return username;
}

CredentialArguments credential_arguments(const CliArguments& arguments) {
  const auto& positionals = arguments.positionals({"USER", "NAME"});
  check_username(positionals[0]);
  check_app_password_name(positionals[1]);
  return {positionals[0], positionals[1]};
}

std::string name_option(const CliArguments& arguments) {
  auto name = arguments.value("--name");
  if (!name) throw UsageError("--name NAME is required");
  check_app_password_name(*name);
  return std::move(*name);
}

}  // namespace latchkey::app

#include "app/scope_arguments.hpp"

#include <algorithm>

#include "app/commands.hpp"

namespace latchkey::app {

auth::Scopes scopes_from_arguments(const std::vector<std::string>& values) {
  if (values.empty()) return std::nullopt;
  std::string joined;
  for (std::string value : values) {
    std::replace(value.begin(), value.end(), ',', ' ');
    const std::string_view trimmed = value;
    if (trimmed.find_first_not_of(' ') == std::string_view::npos) {
      throw UsageError("--scope must not be empty");
    }
    joined += " " + value;
  }
  auto scopes = auth::parse_scope_list(joined);
  if (!scopes) {
    throw UsageError(
        "--scope: a scope is 1 to 100 printable ASCII characters without spaces, "
        "'\"' or '\\' (like tracker:read)");
  }
  return scopes;
}

std::string scopes_for_display(const auth::Scopes& scopes) {
  return scopes ? auth::join_scopes(*scopes) : std::string("all");
}

}  // namespace latchkey::app

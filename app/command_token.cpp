// latchkey token new|list|revoke: permanent tokens for integrations (sync jobs, CI bots).
#include <boost/json.hpp>
#include <ostream>

#include "app/admin_context.hpp"
#include "app/cli_arguments.hpp"
#include "app/commands.hpp"
#include "app/scope_arguments.hpp"
#include "auth/token.hpp"
#include "db/token_repository.hpp"

namespace latchkey::app {
namespace {

constexpr std::string_view kUsage = R"(usage: latchkey [--config FILE] token ACTION ...

actions:
  new USER --name NAME [--expires 90d] [--scope SCOPE ...] [--json]
                                  create one; the token is shown only this once
  list USER [--json]              list them (never the tokens)
  revoke USER NAME                revoke one at once
)";

constexpr std::string_view kNewUsage =
    R"(usage: latchkey token new USER --name NAME [--expires DURATION] [--scope SCOPE ...] [--json]

Creates a permanent token (lkp_...) for USER, named after the integration that will use it.
It is printed once and cannot be shown again. Send it as `Authorization: Bearer TOKEN`, or
as the password of Basic auth, on routes that accept tokens.

  --expires DURATION  lifetime: a whole number and s, m, h or d (90d); default: never
  --scope SCOPE       what it may do (repeatable; spaces or commas separate several);
                      default: every scope
)";

constexpr std::string_view kListUsage = R"(usage: latchkey token list USER [--json]

Lists USER's permanent tokens: name, state, scopes, creation and expiry (UTC).
)";

constexpr std::string_view kRevokeUsage = R"(usage: latchkey token revoke USER NAME

Revokes USER's active token NAME at once, on every replica; the name can then be reused.
)";

boost::json::value json_or_null(const std::optional<db::Timestamp>& t) {
  if (!t) return nullptr;
  return boost::json::string(db::to_iso8601(*t));
}

boost::json::value json_scopes(const auth::Scopes& scopes) {
  if (!scopes) return nullptr;
  boost::json::array array;
  for (const auto& s : *scopes) array.emplace_back(s);
  return array;
}

int create(Invocation& invocation) {
  const CliArguments arguments(
      invocation.args,
      {{"--name", true}, {"--expires", true}, {"--scope", true, true}, {"--json"}});
  if (arguments.help()) {
    invocation.out << kNewUsage;
    return kExitOk;
  }
  const std::string username = arguments.positionals({"USER"})[0];
  check_username(username);
  const auto name = arguments.value("--name");
  if (!name) throw UsageError("--name NAME is required");
  check_app_password_name(*name);
  std::optional<std::chrono::milliseconds> lifetime;
  if (const auto expires = arguments.value("--expires")) {
    lifetime = config::parse_lifetime(*expires);
    if (!lifetime) {
      throw UsageError("--expires \"" + *expires +
                       "\" is not a lifetime: a whole number and s, m, h or d, from 1s to "
                       "3650d, like 90d");
    }
  }
  const auth::Scopes scopes = scopes_from_arguments(arguments.values("--scope"));
  AdminContext context(invocation);
  std::string token = auth::generate_token(auth::TokenKind::permanent);
  const auth::Digest digest =
      context.hasher().digest(auth::token_digest_label(auth::TokenKind::permanent), token);
  db::TokenRepository tokens(context.connection(), "cli");
  const db::TokenInfo info = tokens.create_permanent(username, *name, digest, scopes, lifetime);
  if (arguments.flag("--json")) {
    invocation.out << boost::json::serialize(boost::json::object{
                          {"username", username},
                          {"name", info.name},
                          {"token", token},
                          {"scopes", json_scopes(info.scopes)},
                          {"created_at", db::to_iso8601(info.created_at)},
                          {"expires_at", json_or_null(info.expires_at)},
                      })
                   << "\n";
  } else {
    invocation.out << "token \"" << info.name << "\" for " << username << " (shown only once):\n"
                   << token << "\n";
  }
  wipe(token);
  return kExitOk;
}

int list(Invocation& invocation) {
  const CliArguments arguments(invocation.args, {{"--json"}});
  if (arguments.help()) {
    invocation.out << kListUsage;
    return kExitOk;
  }
  const std::string username = arguments.positionals({"USER"})[0];
  check_username(username);
  AdminContext context(invocation);
  db::TokenRepository tokens(context.connection(), "cli");
  const auto list = tokens.list_permanent(username);
  if (arguments.flag("--json")) {
    boost::json::array array;
    for (const db::TokenInfo& t : list) {
      array.push_back(boost::json::object{
          {"name", t.name},
          {"state", db::to_string(t.state)},
          {"scopes", json_scopes(t.scopes)},
          {"created_at", db::to_iso8601(t.created_at)},
          {"expires_at", json_or_null(t.expires_at)},
          {"revoked_at", json_or_null(t.revoked_at)},
      });
    }
    invocation.out << boost::json::serialize(array) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "STATE", "SCOPES", "CREATED", "EXPIRES"}};
  for (const db::TokenInfo& t : list) {
    rows.push_back({t.name, std::string(db::to_string(t.state)), scopes_for_display(t.scopes),
                    db::to_iso8601(t.created_at),
                    t.expires_at ? db::to_iso8601(*t.expires_at) : "never"});
  }
  write_table(invocation.out, rows);
  return kExitOk;
}

int revoke(Invocation& invocation) {
  const CliArguments arguments(invocation.args, {});
  if (arguments.help()) {
    invocation.out << kRevokeUsage;
    return kExitOk;
  }
  const auto& positionals = arguments.positionals({"USER", "NAME"});
  check_username(positionals[0]);
  check_app_password_name(positionals[1]);
  AdminContext context(invocation);
  db::TokenRepository tokens(context.connection(), "cli");
  tokens.revoke_permanent(positionals[0], positionals[1]);
  invocation.out << "revoked token \"" << positionals[1] << "\" of " << positionals[0] << "\n";
  return kExitOk;
}

}  // namespace

int command_token(Invocation& invocation) {
  const auto action = take_action(invocation.args, {"new", "list", "revoke"});
  if (!action) {
    invocation.out << kUsage;
    return kExitOk;
  }
  if (*action == "new") return create(invocation);
  if (*action == "list") return list(invocation);
  return revoke(invocation);
}

}  // namespace latchkey::app

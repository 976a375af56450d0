// latchkey token new|list|revoke: permanent tokens for integrations (sync jobs, CI bots).
#include <boost/json.hpp>
#include <ostream>

#include "app/account_arguments.hpp"
#include "app/admin_context.hpp"
#include "app/command_actions.hpp"
#include "app/command_output.hpp"
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

Lists USER's permanent tokens: name, state, scopes, creation, expiry and last use (UTC).
)";

constexpr std::string_view kRevokeUsage = R"(usage: latchkey token revoke USER NAME

Revokes USER's active token NAME at once, on every replica; the name can then be reused.
)";

int create(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  const std::string name = name_option(arguments);
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
  const db::TokenInfo info = tokens.create_permanent(username, name, digest, scopes, lifetime);
  if (arguments.flag("--json")) {
    print_json(invocation.out, boost::json::object{
                                   {"username", username},
                                   {"name", info.name},
                                   {"token", token},
                                   {"scopes", json_scopes(info.scopes)},
                                   {"created_at", db::to_iso8601(info.created_at)},
                                   {"expires_at", json_time(info.expires_at)},
                               });
  } else {
    print_secret_once(invocation.out, "token", info.name, username, token);
  }
  wipe(token);
  return kExitOk;
}

int list(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  AdminContext context(invocation);
  db::TokenRepository tokens(context.connection(), "cli");
  print_listing(
      invocation.out, arguments.flag("--json"), tokens.list_permanent(username),
      {"NAME", "STATE", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "FROM"},
      [](const db::TokenInfo& t) {
        return boost::json::object{
            {"name", t.name},
            {"state", db::to_string(t.state)},
            {"scopes", json_scopes(t.scopes)},
            {"created_at", db::to_iso8601(t.created_at)},
            {"expires_at", json_time(t.expires_at)},
            {"revoked_at", json_time(t.revoked_at)},
            {"last_used_at", json_time(t.last_used_at)},
            {"last_used_from", json_text(t.last_used_from)},
        };
      },
      [](const db::TokenInfo& t) {
        return std::vector<std::string>{t.name, std::string(db::to_string(t.state)),
                                        scopes_for_display(t.scopes), db::to_iso8601(t.created_at),
                                        time_or(t.expires_at, "never"),
                                        time_or(t.last_used_at, "never"),
                                        text_or_dash(t.last_used_from)};
      });
  return kExitOk;
}

int revoke(Invocation& invocation, const CliArguments& arguments) {
  const CredentialArguments credential = credential_arguments(arguments);
  AdminContext context(invocation);
  db::TokenRepository tokens(context.connection(), "cli");
  tokens.revoke_permanent(credential.username, credential.name);
  print_revoked(invocation.out, "token", credential.name, credential.username);
  return kExitOk;
}

}  // namespace

int command_token(Invocation& invocation) {
  return run_action(invocation, kUsage,
                    {{"new",
                      kNewUsage,
                      {{"--name", true}, {"--expires", true}, {"--scope", true, true}, {"--json"}},
                      create},
                     {"list", kListUsage, {{"--json"}}, list},
                     {"revoke", kRevokeUsage, {}, revoke}});
}

}  // namespace latchkey::app

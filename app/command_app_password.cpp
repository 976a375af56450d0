// latchkey app-password new|list|revoke: per-device passwords of an account.
#include <boost/json.hpp>
#include <ostream>

#include "app/account_arguments.hpp"
#include "app/admin_context.hpp"
#include "app/command_actions.hpp"
#include "app/command_output.hpp"
#include "app/scope_arguments.hpp"
#include "auth/app_password.hpp"

namespace latchkey::app {
namespace {

constexpr std::string_view kUsage = R"(usage: latchkey [--config FILE] app-password ACTION ...

actions:
  new USER --name NAME [--scope SCOPE ...] [--json]
                                  create one; the password is shown only this once
  list USER [--json]              list them (never the passwords)
  revoke USER NAME                revoke one at once
)";

constexpr std::string_view kNewUsage =
    R"(usage: latchkey app-password new USER --name NAME [--scope SCOPE ...] [--json]

Creates an application password for USER, named after the app or device that will use
it. It is printed once as xxxx-xxxx-xxxx-xxxx and cannot be shown again. A name is
unique among the user's active passwords. --scope limits what it (and OAuth tokens issued
for it) may do; repeatable, default: every scope.
)";

constexpr std::string_view kListUsage = R"(usage: latchkey app-password list USER [--json]

Lists USER's application passwords: name, state, creation and last use (UTC).
)";

constexpr std::string_view kRevokeUsage = R"(usage: latchkey app-password revoke USER NAME

Revokes USER's active application password NAME; the name can then be reused.
)";

int create(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  const std::string name = name_option(arguments);
  const auth::Scopes scopes = scopes_from_arguments(arguments.values("--scope"));
  AdminContext context(invocation);
  std::string canonical = auth::generate_app_password();
  const auth::Digest digest = context.hasher().digest(kAppPasswordDigestLabel, canonical);
  const db::AppPasswordInfo info =
      context.repository().create_app_password(username, name, digest, scopes);
  std::string shown = auth::format_app_password(canonical);
  wipe(canonical);
  if (arguments.flag("--json")) {
    print_json(invocation.out, boost::json::object{
                                   {"username", username},
                                   {"name", info.name},
                                   {"password", shown},
                                   {"created_at", db::to_iso8601(info.created_at)},
                               });
  } else {
    print_secret_once(invocation.out, "application password", info.name, username, shown);
  }
  wipe(shown);
  return kExitOk;
}

int list(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  AdminContext context(invocation);
  print_listing(
      invocation.out, arguments.flag("--json"), context.repository().list_app_passwords(username),
      {"NAME", "STATE", "CREATED", "LAST USED", "FROM", "USER AGENT"},
      [](const db::AppPasswordInfo& p) {
        return boost::json::object{
            {"name", p.name},
            {"state", db::to_string(p.state)},
            {"created_at", db::to_iso8601(p.created_at)},
            {"expires_at", json_time(p.expires_at)},
            {"revoked_at", json_time(p.revoked_at)},
            {"last_used_at", json_time(p.last_used_at)},
            {"last_used_from", json_text(p.last_used_from)},
            {"last_used_agent", json_text(p.last_used_agent)},
        };
      },
      [](const db::AppPasswordInfo& p) {
        return std::vector<std::string>{p.name,
                                        std::string(db::to_string(p.state)),
                                        db::to_iso8601(p.created_at),
                                        time_or(p.last_used_at, "never"),
                                        text_or_dash(p.last_used_from),
                                        text_or_dash(p.last_used_agent)};
      });
  return kExitOk;
}

int revoke(Invocation& invocation, const CliArguments& arguments) {
  const CredentialArguments credential = credential_arguments(arguments);
  AdminContext context(invocation);
  context.repository().revoke_app_password(credential.username, credential.name);
  print_revoked(invocation.out, "application password", credential.name, credential.username);
  return kExitOk;
}

}  // namespace

int command_app_password(Invocation& invocation) {
  return run_action(
      invocation, kUsage,
      {{"new", kNewUsage, {{"--name", true}, {"--scope", true, true}, {"--json"}}, create},
       {"list", kListUsage, {{"--json"}}, list},
       {"revoke", kRevokeUsage, {}, revoke}});
}

}  // namespace latchkey::app

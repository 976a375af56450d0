// latchkey app-password new|list|revoke: per-device passwords of an account.
#include <boost/json.hpp>
#include <ostream>

#include "app/admin_context.hpp"
#include "app/cli_arguments.hpp"
#include "app/commands.hpp"
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

boost::json::value json_or_null(const std::optional<db::Timestamp>& t) {
  if (!t) return nullptr;
  return boost::json::string(db::to_iso8601(*t));
}

boost::json::value json_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return boost::json::string(*text);
}

std::string text_or_dash(const std::optional<std::string>& text) {
  return text && !text->empty() ? *text : "-";
}

int create(Invocation& invocation) {
  const CliArguments arguments(invocation.args,
                               {{"--name", true}, {"--scope", true, true}, {"--json"}});
  if (arguments.help()) {
    invocation.out << kNewUsage;
    return kExitOk;
  }
  const std::string username = arguments.positionals({"USER"})[0];
  check_username(username);
  const auto name = arguments.value("--name");
  if (!name) throw UsageError("--name NAME is required");
  check_app_password_name(*name);
  const auth::Scopes scopes = scopes_from_arguments(arguments.values("--scope"));
  AdminContext context(invocation);
  std::string canonical = auth::generate_app_password();
  const auth::Digest digest = context.hasher().digest(kAppPasswordDigestLabel, canonical);
  const db::AppPasswordInfo info =
      context.repository().create_app_password(username, *name, digest, scopes);
  std::string shown = auth::format_app_password(canonical);
  wipe(canonical);
  if (arguments.flag("--json")) {
    invocation.out << boost::json::serialize(boost::json::object{
                          {"username", username},
                          {"name", info.name},
                          {"password", shown},
                          {"created_at", db::to_iso8601(info.created_at)},
                      })
                   << "\n";
  } else {
    invocation.out << "application password \"" << info.name << "\" for " << username
                   << " (shown only once):\n"
                   << shown << "\n";
  }
  wipe(shown);
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
  const auto passwords = context.repository().list_app_passwords(username);
  if (arguments.flag("--json")) {
    boost::json::array array;
    for (const db::AppPasswordInfo& p : passwords) {
      array.push_back(boost::json::object{
          {"name", p.name},
          {"state", db::to_string(p.state)},
          {"created_at", db::to_iso8601(p.created_at)},
          {"expires_at", json_or_null(p.expires_at)},
          {"revoked_at", json_or_null(p.revoked_at)},
          {"last_used_at", json_or_null(p.last_used_at)},
          {"last_used_from", json_or_null(p.last_used_from)},
          {"last_used_agent", json_or_null(p.last_used_agent)},
      });
    }
    invocation.out << boost::json::serialize(array) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "STATE", "CREATED", "LAST USED", "FROM", "USER AGENT"}};
  for (const db::AppPasswordInfo& p : passwords) {
    rows.push_back({p.name, std::string(db::to_string(p.state)), db::to_iso8601(p.created_at),
                    p.last_used_at ? db::to_iso8601(*p.last_used_at) : "never",
                    text_or_dash(p.last_used_from), text_or_dash(p.last_used_agent)});
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
  context.repository().revoke_app_password(positionals[0], positionals[1]);
  invocation.out << "revoked application password \"" << positionals[1] << "\" of "
                 << positionals[0] << "\n";
  return kExitOk;
}

}  // namespace

int command_app_password(Invocation& invocation) {
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

// latchkey user add|list|disable|passwd|unlock: accounts.
#include <boost/json.hpp>
#include <ostream>

#include "app/account_arguments.hpp"
#include "app/admin_context.hpp"
#include "app/command_actions.hpp"
#include "app/command_output.hpp"
#include "auth/password_hash.hpp"

namespace latchkey::app {
namespace {

constexpr std::string_view kUsage = R"(usage: latchkey [--config FILE] user ACTION ...

actions:
  add USER [--email EMAIL] --password-stdin   create an account
  list [--json]                               list accounts
  disable USER                                refuse every credential of an account
  passwd USER --password-stdin                set the account password
  unlock USER                                 end a lock after too many failed logins

Passwords are read as one line from standard input, never from the command line.
)";

constexpr std::string_view kAddUsage =
    R"(usage: latchkey user add USER [--email EMAIL] --password-stdin

Creates an account. USER is matched without regard to case and may not contain ':'.
The account password is read as one line from standard input.
)";

constexpr std::string_view kListUsage = R"(usage: latchkey user list [--json]

Lists accounts: name, e-mail, TOTP state, status, creation time and, while an
account is locked after too many failed logins, when the lock ends (UTC).
)";

constexpr std::string_view kDisableUsage = R"(usage: latchkey user disable USER

Disables an account: its account password and application passwords stop working.
)";

constexpr std::string_view kUnlockUsage = R"(usage: latchkey user unlock USER

Ends the lock of an account that too many failed logins locked, and clears its count of
failed logins. Locks also end by themselves; each further lock lasts twice as long, up to
brute_force.lock_duration_max, until the owner logs in successfully.
)";

constexpr std::string_view kPasswdUsage = R"(usage: latchkey user passwd USER --password-stdin

Sets the account password, read as one line from standard input. OAuth tokens obtained
with the old account password are revoked and self-service sessions end; application
passwords and their tokens keep working.
)";

// Hashes the password read for --password-stdin and wipes the clear text.
std::string read_password_hash(const CliArguments& arguments, Invocation& invocation) {
  if (!arguments.flag("--password-stdin")) {
    throw UsageError("--password-stdin is required (passwords are never taken from arguments)");
  }
  std::string password = read_password_line(invocation.in);
  std::string hash = auth::hash_password(password);
  wipe(password);
  return hash;
}

std::string_view totp_state(const db::UserInfo& user) {
  if (user.totp_enabled) return "enabled";
  if (user.totp_pending) return "pending";
  return "off";
}

int add(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  const std::string email = arguments.value("--email").value_or("");
  check_email(email);
  const std::string hash = read_password_hash(arguments, invocation);
  AdminContext context(invocation);
  const db::UserInfo user = context.repository().create_user(username, email, hash);
  invocation.out << "created user " << user.username << " (id " << user.id << ")\n";
  return kExitOk;
}

int list(Invocation& invocation, const CliArguments& arguments) {
  arguments.positionals({});
  AdminContext context(invocation);
  print_listing(
      invocation.out, arguments.flag("--json"), context.repository().list_users(),
      {"USERNAME", "EMAIL", "TOTP", "STATUS", "CREATED", "LOCKED-UNTIL"},
      [](const db::UserInfo& user) {
        return boost::json::object{
            {"id", user.id},
            {"username", user.username},
            {"email", user.email},
            {"totp", totp_state(user)},
            {"disabled", user.disabled},
            {"has_password", user.has_password},
            {"created_at", db::to_iso8601(user.created_at)},
            {"locked_until", json_time(user.locked_until)},
            {"failed_logins", user.failed_logins},
        };
      },
      [](const db::UserInfo& user) {
        return std::vector<std::string>{user.username,
                                        text_or_dash(user.email),
                                        std::string(totp_state(user)),
                                        user.disabled ? "disabled" : "active",
                                        db::to_iso8601(user.created_at),
                                        time_or(user.locked_until, "-")};
      });
  return kExitOk;
}

int disable(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  AdminContext context(invocation);
  if (context.repository().disable_user(username)) {
    invocation.out << "disabled user " << username << "\n";
  } else {
    invocation.out << "user " << username << " was already disabled\n";
  }
  return kExitOk;
}

int unlock(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  AdminContext context(invocation);
  if (context.repository().unlock_user(username)) {
    invocation.out << "unlocked user " << username << "\n";
  } else {
    invocation.out << "user " << username << " was not locked\n";
  }
  return kExitOk;
}

int passwd(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  const std::string hash = read_password_hash(arguments, invocation);
  AdminContext context(invocation);
  context.repository().set_password(username, hash);
  invocation.out << "changed the password of " << username << "\n";
  return kExitOk;
}

}  // namespace

int command_user(Invocation& invocation) {
  return run_action(invocation, kUsage,
                    {{"add", kAddUsage, {{"--email", true}, {"--password-stdin"}}, add},
                     {"list", kListUsage, {{"--json"}}, list},
                     {"disable", kDisableUsage, {}, disable},
                     {"passwd", kPasswdUsage, {{"--password-stdin"}}, passwd},
                     {"unlock", kUnlockUsage, {}, unlock}});
}

}  // namespace latchkey::app

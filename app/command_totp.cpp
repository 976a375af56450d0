// latchkey totp enable|confirm|disable: two-factor enrolment of an account.
#include <boost/json.hpp>
#include <chrono>
#include <ostream>

#include "app/account_arguments.hpp"
#include "app/admin_context.hpp"
#include "app/command_actions.hpp"
#include "app/command_output.hpp"
#include "auth/random.hpp"
#include "auth/totp.hpp"
#include "web/recovery_code.hpp"

namespace latchkey::app {
namespace {

constexpr std::string_view kUsage = R"(usage: latchkey [--config FILE] totp ACTION ...

actions:
  enable USER [--json]    start enrolment: prints the otpauth:// URI and the secret
  confirm USER --code-stdin   finish enrolment with a 6-digit code of the authenticator app
  disable USER            turn TOTP off (or drop a pending enrolment)
)";

constexpr std::string_view kEnableUsage = R"(usage: latchkey totp enable USER [--json]

Creates a new TOTP secret for USER, pending until `latchkey totp confirm`. Prints the
otpauth:// URI (for a QR code) and the base32 secret. Refused while TOTP is enabled.
)";

constexpr std::string_view kConfirmUsage = R"(usage: latchkey totp confirm USER --code-stdin

Reads the current 6-digit code of the authenticator app from standard input (never from
the command line, where ps and the shell history would keep it), checks it against the
pending secret and turns TOTP on. Each code is accepted once. OAuth tokens obtained with the
account password are revoked and self-service sessions end; application passwords and
their tokens keep working.
)";

constexpr std::string_view kDisableUsage = R"(usage: latchkey totp disable USER

Turns TOTP off for USER and forgets the secret (also a pending one).
)";

int enable(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  AdminContext context(invocation);
  const db::TotpEnrolment enrolment = context.repository().totp_enrolment(username);
  const db::UserInfo& user = enrolment.user;
  std::string secret = auth::random_bytes(auth::kTotpSecretBytes);
  const std::string sealed = context.totp_box().seal(secret, totp_seal_context(user.id));
  context.repository().set_totp_pending(user.id, sealed);
  std::string encoded = auth::base32_encode(secret);
  std::string uri = auth::otpauth_uri(user.username, secret);
  wipe(secret);
  if (arguments.flag("--json")) {
    print_json(invocation.out, boost::json::object{
                                   {"username", user.username},
                                   {"otpauth_uri", uri},
                                   {"secret", encoded},
                               });
  } else {
    invocation.out << uri << "\n"
                   << "secret: " << encoded << "\n"
                   << "Add it to an authenticator app, then run: latchkey totp confirm "
                   << user.username << " --code-stdin\n";
  }
  wipe(encoded);
  wipe(uri);
  return kExitOk;
}

int confirm(Invocation& invocation, const CliArguments& arguments) {
  // A code after USER is refused without being echoed: it is a secret, if a short-lived one.
  if (arguments.positionals_count() > 1) {
    throw UsageError("the code goes on standard input with --code-stdin, not on the command line");
  }
  const std::string username = user_argument(arguments);
  if (!arguments.flag("--code-stdin")) {
    throw UsageError("--code-stdin is required: the code is read from standard input");
  }
  std::string line;
  std::getline(invocation.in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // The page's rule: six digits, spaces ignored (apps show "123 456").
  const std::optional<std::string> normalized = web::normalize_totp_code(line);
  if (!normalized) {
    throw UsageError("--code-stdin: the code must be the 6 digits shown by the authenticator app");
  }
  const std::string& code = *normalized;
  AdminContext context(invocation);
  const db::TotpEnrolment enrolment = context.repository().totp_enrolment(username);
  const db::UserInfo& user = enrolment.user;
  if (!enrolment.sealed_secret) {
    throw std::runtime_error("no TOTP enrolment for " + user.username +
                             "; run `latchkey totp enable " + user.username + "` first");
  }
  std::optional<std::string> secret =
      context.totp_box().open(*enrolment.sealed_secret, totp_seal_context(user.id));
  if (!secret) {
    throw std::runtime_error("the TOTP secret of " + user.username +
                             " does not open with the configured totp_key");
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const auto step = auth::verify_totp(*secret, code, now, enrolment.last_step);
  wipe(*secret);
  if (!step) {
    throw std::runtime_error("TOTP code rejected for " + user.username +
                             ": wrong, expired or already used");
  }
  context.repository().confirm_totp(user.id, *enrolment.sealed_secret, *step);
  invocation.out << "TOTP enabled for " << user.username << "\n";
  return kExitOk;
}

int disable(Invocation& invocation, const CliArguments& arguments) {
  const std::string username = user_argument(arguments);
  AdminContext context(invocation);
  context.repository().disable_totp(username);
  invocation.out << "TOTP disabled for " << username << "\n";
  return kExitOk;
}

}  // namespace

int command_totp(Invocation& invocation) {
  return run_action(invocation, kUsage,
                    {{"enable", kEnableUsage, {{"--json"}}, enable},
                     {"confirm", kConfirmUsage, {{"--code-stdin"}}, confirm},
                     {"disable", kDisableUsage, {}, disable}});
}

}  // namespace latchkey::app

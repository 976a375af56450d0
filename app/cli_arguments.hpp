// Arguments and plain output of the admin subcommands: a small parser (`--name VALUE`,
// `--name=VALUE`, flags, positionals, `--` to end options, `--help`/`-h` anywhere), the
// checks of names and passwords typed by the operator, and aligned text tables.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::app {

struct OptionSpec {
  std::string_view name;  // with the dashes: "--email"
  bool takes_value = false;
  bool repeatable = false;  // may be given more than once (values() returns every value)
};

class CliArguments {
 public:
  // Throws UsageError naming the offending argument: an unknown option, a missing value, a
  // repeated option, a value given to a flag. --help stops the checks (help() is true).
  CliArguments(const std::vector<std::string>& args, const std::vector<OptionSpec>& options);

  bool help() const { return help_; }
  bool flag(std::string_view name) const { return values_.contains(std::string(name)); }
  std::optional<std::string> value(std::string_view name) const;
  // Every value of a repeatable option, in order.
  std::vector<std::string> values(std::string_view name) const;

  // The positionals, checked against their names: "missing USER", "unexpected argument X".
  const std::vector<std::string>& positionals(std::initializer_list<std::string_view> names) const;
  std::size_t positionals_count() const { return positionals_.size(); }

 private:
  bool help_ = false;
  std::map<std::string, std::string, std::less<>> values_;  // flags map to ""
  std::vector<std::string> positionals_;
  std::map<std::string, std::vector<std::string>, std::less<>> repeated_;
};

// The action word of a command group ("user add ..."): the first argument, removed from
// `args`. Throws UsageError when absent or unknown; nullopt for --help/-h.
std::optional<std::string> take_action(std::vector<std::string>& args,
                                       const std::vector<std::string_view>& actions);

// One line from `in` for --password-stdin, without its line ending. Throws UsageError when
// it is missing, empty, too long, not UTF-8 or holds control characters; the message never
// contains the password.
std::string read_password_line(std::istream& in);

// Usernames, application password names and e-mail addresses as the schema accepts them;
// each throws UsageError naming `what` and the value (these are not secrets).
void check_username(std::string_view username);
void check_app_password_name(std::string_view name);
void check_email(std::string_view email);

// Rows of cells in columns padded to the widest cell; the first row is the header.
void write_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

}  // namespace latchkey::app

#include "app/cli_arguments.hpp"

#include <algorithm>
#include <istream>
#include <ostream>

#include "app/commands.hpp"
#include "db/text.hpp"

namespace latchkey::app {
namespace {

constexpr std::size_t kMaxPasswordBytes = 1024;  // Argon2 takes any length; a bound keeps it cheap
constexpr std::size_t kMaxUsernameChars = 128;   // as db/migrations/0001_initial.sql checks
constexpr std::size_t kMaxNameChars = 100;
constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321 path limit

std::size_t utf8_chars(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7F;
  });
}

// Values that are not secrets, shown back in messages; control characters made visible.
std::string shown(std::string_view text) {
  return "\"" + db::sanitize_text(text, 200) + "\"";
}

void check_text(std::string_view what, std::string_view text, std::size_t max_chars) {
  if (text.empty()) throw UsageError(std::string(what) + " must not be empty");
  if (!db::is_valid_utf8(text)) throw UsageError(std::string(what) + " is not valid UTF-8");
  if (has_control(text)) {
    throw UsageError(std::string(what) + " " + shown(text) + " contains a control character");
  }
  if (utf8_chars(text) > max_chars) {
    throw UsageError(std::string(what) + " " + shown(text) + " is longer than " +
                     std::to_string(max_chars) + " characters");
  }
}

}  // namespace

CliArguments::CliArguments(const std::vector<std::string>& args,
                           const std::vector<OptionSpec>& options) {
  if (std::any_of(args.begin(), std::find(args.begin(), args.end(), "--"),
                  [](const std::string& a) { return a == "--help" || a == "-h"; })) {
    help_ = true;
    return;
  }
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg == "-" || !arg.starts_with("-")) {
      positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    const std::size_t equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const auto spec = std::find_if(options.begin(), options.end(),
                                   [&](const OptionSpec& o) { return o.name == name; });
    if (spec == options.end()) throw UsageError("unknown option " + shown(name));
    if (values_.contains(name) && !spec->repeatable) throw UsageError(name + " given twice");
    if (spec->repeatable && spec->takes_value) {
      if (equals != std::string::npos) {
        repeated_[name].push_back(arg.substr(equals + 1));
      } else if (i + 1 < args.size()) {
        repeated_[name].push_back(args[++i]);
      } else {
        throw UsageError(name + " needs a value");
      }
      values_[name] = repeated_[name].back();
    } else if (!spec->takes_value) {
      if (equals != std::string::npos) throw UsageError(name + " takes no value");
      values_[name] = "";
    } else if (equals != std::string::npos) {
      values_[name] = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      values_[name] = args[++i];
    } else {
      throw UsageError(name + " needs a value");
    }
  }
}

std::optional<std::string> CliArguments::value(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> CliArguments::values(std::string_view name) const {
  const auto it = repeated_.find(name);
  if (it == repeated_.end()) return {};
  return it->second;
}

const std::vector<std::string>& CliArguments::positionals(
    std::initializer_list<std::string_view> names) const {
  if (positionals_.size() < names.size()) {
    throw UsageError("missing " + std::string(names.begin()[positionals_.size()]));
  }
  if (positionals_.size() > names.size()) {
    throw UsageError("unexpected argument " + shown(positionals_[names.size()]));
  }
  return positionals_;
}

std::optional<std::string> take_action(std::vector<std::string>& args,
                                       const std::vector<std::string_view>& actions) {
  std::string choices;
  for (std::string_view action : actions) {
    choices += choices.empty() ? "" : ", ";
    choices += action;
  }
  if (args.empty()) throw UsageError("missing action (one of: " + choices + ")");
  const std::string action = args.front();
  if (action == "--help" || action == "-h") return std::nullopt;
  if (std::find(actions.begin(), actions.end(), action) == actions.end()) {
    throw UsageError("unknown action " + shown(action) + " (one of: " + choices + ")");
  }
  args.erase(args.begin());
  return action;
}

std::string read_password_line(std::istream& in) {
  std::string line;
  if (!std::getline(in, line) && line.empty()) {
    throw UsageError("--password-stdin: no password on standard input");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw UsageError("--password-stdin: the password is empty");
  if (line.size() > kMaxPasswordBytes) {
    throw UsageError("--password-stdin: the password is longer than " +
                     std::to_string(kMaxPasswordBytes) + " bytes");
  }
  // HTTP Basic credentials carry UTF-8 without control characters (RFC 7617 §2): any other
  // password could never be used.
  if (!db::is_valid_utf8(line)) throw UsageError("--password-stdin: the password is not UTF-8");
  if (has_control(line)) {
    throw UsageError("--password-stdin: the password contains a control character");
  }
  return line;
}

void check_username(std::string_view username) {
  check_text("USER", username, kMaxUsernameChars);
  // RFC 7617 §2: the user-id of Basic credentials cannot contain a colon.
  if (username.find(':') != std::string_view::npos) {
    throw UsageError("USER " + shown(username) + " contains ':'");
  }
}

void check_app_password_name(std::string_view name) {
  check_text("NAME", name, kMaxNameChars);
}

void check_email(std::string_view email) {
  if (email.empty()) return;  // "" means no address
  if (!db::is_valid_utf8(email)) throw UsageError("--email is not valid UTF-8");
  if (has_control(email) || email.size() > kMaxEmailBytes ||
      email.find('@') == std::string_view::npos) {
    throw UsageError("--email " + shown(email) + " is not an e-mail address");
  }
}

void write_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], utf8_chars(row[i]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - utf8_chars(row[i]) + 2, ' ');
    }
    out << line << '\n';
  }
}

}  // namespace latchkey::app

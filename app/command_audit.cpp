// latchkey audit [USER] [--tried NAME] [--since WHEN] [--limit N] [--json]: the audit events,
// oldest first; `latchkey audit prune` is app/command_audit_prune.cpp.
#include <boost/json.hpp>
#include <charconv>
#include <limits>
#include <optional>
#include <ostream>
#include <pqxx/except>

#include "app/cli_arguments.hpp"
#include "app/admin_context.hpp"
#include "app/commands.hpp"
#include "db/audit_log.hpp"
#include "db/connection.hpp"
#include "db/migrations.hpp"

namespace latchkey::app {
namespace {

constexpr std::string_view kUsage =
    R"(usage: latchkey [--config FILE] audit [USER] [--tried NAME] [--since WHEN] [--limit N]
                                       [--json]
       latchkey [--config FILE] audit prune [--older-than DURATION]

Prints audit events oldest first: time (UTC), user, event, source ("cli", "proxy" or the
client address) and detail. Events: user.created, user.disabled, user.password_changed,
totp.pending, totp.enabled, totp.disabled, app_password.created, app_password.revoked,
app_password.new_address, account.locked, account.unlocked, login.refused (counted per
username, address and reason each second), audit.dropped (refusals beyond what one second
records). A refused login records the username only when it names an account; otherwise
it records a fingerprint of it (a password typed as a username is never stored).

  USER          only the events of this account (names ignore case)
  --tried NAME  only the logins refused under NAME, whether it names an account or not
  --since WHEN  only events since WHEN: a time ago (30m, 24h, 7d; units s m h d w) or an
                ISO 8601 date or time (2024-05-01, 2024-05-01T12:00:00Z; UTC unless a
                zone is given)
  --limit N     only the newest N matching events (default 1000)
  --json        a JSON array of objects instead of columns

`audit prune` deletes old events (see `latchkey audit prune --help`); the events of an
account named "prune" are `latchkey audit -- prune`.
)";

constexpr std::size_t kDefaultLimit = 1'000;
// What a client can have typed: refusals are recorded from its first 128 bytes.
constexpr std::size_t kMaxTriedBytes = 1'024;
constexpr std::size_t kMaxLimit = 1'000'000;
// Furthest back --since may reach as a duration; far beyond any retention, far within int64.
constexpr std::int64_t kMaxAgoSeconds = 200LL * 366 * 86'400;

// Database text shown on a terminal: a row written by any code may hold characters that
// rewrite the screen (CVE-2021-42574); they are shown as '?'.
std::string shown(std::string_view text) {
  return db::clean_untrusted_text(text, std::numeric_limits<std::size_t>::max(), "?");
}

void clean_strings(boost::json::value& value) {
  if (auto* text = value.if_string()) {
    *text = shown(*text);
  } else if (auto* array = value.if_array()) {
    for (auto& element : *array) clean_strings(element);
  } else if (auto* object = value.if_object()) {
    boost::json::object cleaned;
    for (auto& [key, element] : *object) {
      clean_strings(element);
      cleaned[shown(key)] = std::move(element);
    }
    *object = std::move(cleaned);
  }
}

boost::json::value detail_of(const db::AuditEvent& event) {
  boost::json::error_code error;
  boost::json::value detail = boost::json::parse(event.detail, error);
  if (error) return boost::json::string(shown(event.detail));
  clean_strings(detail);
  return detail;
}

// Digits only, at most `max_digits` of them.
std::optional<std::int64_t> parse_number(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// "30m", "24h", "7d": that long before `now`.
std::optional<db::Timestamp> parse_ago(std::string_view text, db::Timestamp now) {
  if (text.size() < 2) return std::nullopt;
  static constexpr std::string_view kUnits = "smhdw";
  static constexpr std::int64_t kUnitSeconds[] = {1, 60, 3'600, 86'400, 604'800};
  const std::size_t unit_index = kUnits.find(text.back());
  if (unit_index == std::string_view::npos) return std::nullopt;
  const std::int64_t unit = kUnitSeconds[unit_index];
  const auto count = parse_number(text.substr(0, text.size() - 1), 12);
  if (!count || *count > kMaxAgoSeconds / unit) return std::nullopt;
  return now - std::chrono::seconds(*count * unit);
}

// Reads fixed-width fields of an ISO 8601 date or time, left to right.
class IsoReader {
 public:
  explicit IsoReader(std::string_view text) : text_(text) {}

  bool done() const { return text_.empty(); }
  bool number(std::size_t digits, int& out) {
    if (text_.size() < digits) return false;
    for (std::size_t i = 0; i < digits; ++i) {
      if (text_[i] < '0' || text_[i] > '9') return false;
    }
    out = std::stoi(std::string(text_.substr(0, digits)));
    text_.remove_prefix(digits);
    return true;
  }
  bool skip(std::string_view any_of) {
    if (text_.empty() || any_of.find(text_.front()) == std::string_view::npos) return false;
    text_.remove_prefix(1);
    return true;
  }
  char peek() const { return text_.empty() ? '\0' : text_.front(); }

 private:
  std::string_view text_;
};

// YYYY-MM-DD[(T| )hh:mm[:ss[.f...]][Z|±hh[:mm]]]; a date alone is midnight UTC.
std::optional<db::Timestamp> parse_iso8601(std::string_view text) {
  using namespace std::chrono;
  IsoReader in(text);
  int year = 0, month = 0, day = 0;
  if (!in.number(4, year) || !in.skip("-") || !in.number(2, month) || !in.skip("-") ||
      !in.number(2, day)) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  db::Timestamp t = sys_days(date);
  if (in.done()) return t;

  int hour = 0, minute = 0, second = 0;
  if (!in.skip("Tt ") || !in.number(2, hour) || !in.skip(":") || !in.number(2, minute)) {
    return std::nullopt;
  }
  if (in.skip(":") && !in.number(2, second)) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  t += hours(hour) + minutes(minute) + seconds(second);
  if (in.skip(".,")) {
    int digit = 0;
    microseconds fraction{0};
    std::int64_t scale = 100'000;
    if (!in.number(1, digit)) return std::nullopt;
    do {
      fraction += microseconds(digit * scale);
      scale /= 10;
    } while (in.number(1, digit));
    t += fraction;
  }
  if (in.skip("Zz")) return in.done() ? std::optional(t) : std::nullopt;
  if (const char sign = in.peek(); sign == '+' || sign == '-') {
    in.skip("+-");
    int offset_hours = 0, offset_minutes = 0;
    if (!in.number(2, offset_hours)) return std::nullopt;
    if (in.skip(":")) {
      if (!in.number(2, offset_minutes)) return std::nullopt;
    } else if (!in.done() && !in.number(2, offset_minutes)) {
      return std::nullopt;
    }
    if (offset_hours > 23 || offset_minutes > 59) return std::nullopt;
    const auto offset = hours(offset_hours) + minutes(offset_minutes);
    t += sign == '+' ? -offset : offset;  // local time minus its offset is UTC
  }
  return in.done() ? std::optional(t) : std::nullopt;
}

db::Timestamp parse_since(std::string_view text) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  if (auto t = parse_ago(text, now)) return *t;
  if (auto t = parse_iso8601(text)) return *t;
  throw UsageError("--since \"" + shown(text) +
                   "\" is neither a time ago (30m, 24h, 7d) nor an ISO 8601 date or time "
                   "(2024-05-01, 2024-05-01T12:00:00Z)");
}

std::size_t parse_limit(std::string_view text) {
  const auto value = parse_number(text, 7);
  if (!value || *value < 1 || static_cast<std::size_t>(*value) > kMaxLimit) {
    throw UsageError("--limit \"" + shown(text) + "\" is not a whole number from 1 to " +
                     std::to_string(kMaxLimit));
  }
  return static_cast<std::size_t>(*value);
}

// USER is optional, which CliArguments::positionals expresses as two tries.
std::optional<std::string> optional_user(const CliArguments& arguments) {
  try {
    arguments.positionals({});
    return std::nullopt;
  } catch (const UsageError&) {
    return arguments.positionals({"USER"})[0];
  }
}

void write_json(std::ostream& out, const std::vector<db::AuditEvent>& events) {
  boost::json::array array;
  for (const db::AuditEvent& e : events) {
    boost::json::value username = nullptr;
    if (!e.username.empty()) username = boost::json::string(shown(e.username));
    boost::json::value user_id = nullptr;
    if (e.user_id) user_id = *e.user_id;
    array.push_back(boost::json::object{
        {"id", e.id},
        {"at", db::to_iso8601(e.at)},
        {"user_id", user_id},
        {"username", username},
        {"event", shown(e.event)},
        {"source", shown(e.source)},
        {"detail", detail_of(e)},
    });
  }
  out << boost::json::serialize(array) << "\n";
}

void write_text(std::ostream& out, const std::vector<db::AuditEvent>& events) {
  const auto or_dash = [](const std::string& text) { return text.empty() ? "-" : shown(text); };
  std::vector<std::vector<std::string>> rows{{"TIME", "USER", "EVENT", "SOURCE", "DETAIL"}};
  for (const db::AuditEvent& e : events) {
    rows.push_back({db::to_iso8601(e.at), or_dash(e.username), shown(e.event), or_dash(e.source),
                    boost::json::serialize(detail_of(e))});
  }
  write_table(out, rows);
}

}  // namespace

int command_audit(Invocation& invocation) {
  if (!invocation.args.empty() && invocation.args.front() == "prune") {
    invocation.args.erase(invocation.args.begin());
    return command_audit_prune(invocation);
  }
  const CliArguments arguments(invocation.args,
                               {{"--since", true}, {"--limit", true}, {"--tried", true}, {"--json"}});
  if (arguments.help()) {
    invocation.out << kUsage;
    return kExitOk;
  }
  db::AuditQuery query;
  query.username = optional_user(arguments);
  if (query.username) check_username(*query.username);
  if (const auto since = arguments.value("--since")) query.since = parse_since(*since);
  query.limit = kDefaultLimit;
  if (const auto limit = arguments.value("--limit")) query.limit = parse_limit(*limit);

  query.tried = arguments.value("--tried");
  if (query.tried && (query.tried->empty() || query.tried->size() > kMaxTriedBytes)) {
    throw UsageError("--tried takes a name of 1 to " + std::to_string(kMaxTriedBytes) + " bytes");
  }

  const config::Config config = load_invocation_config(invocation);
  const auto connection = connect_migrated(config);  // no AdminContext: no secrets written here
  std::optional<auth::KeyedHasher> hasher;
  if (query.tried) query.hasher = &hasher.emplace(config.secrets.pepper);
  const auto events = db::read_audit_events(*connection, query);
  if (arguments.flag("--json")) {
    write_json(invocation.out, events);
  } else {
    write_text(invocation.out, events);
  }
  return kExitOk;
}

}  // namespace latchkey::app

// The brute_force section: failure budgets per client address and per account, and the
// account lock (DESIGN.md §5.4-5.5).
#include <string>

#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr Duration kPositive{1};
// Longer would hold connections (and their memory) for little more protection.
constexpr DurationLimit kMaxOverBudgetDelay{Duration{10'000}, "10s", ""};
// A bucket deeper than this no longer bounds anything an online guesser could try.
constexpr long long kMaxBurst = 100'000;
constexpr long long kMaxPerMinute = 1'000'000;
// NIST SP 800-63B §5.2.2: at most 100 consecutive failed attempts on one account.
constexpr long long kMaxLockAfter = 100;
// The defaults that messages name when only one of the two lock durations is set.
static_assert(BruteForce{}.lock_duration == Duration{60'000});
static_assert(BruteForce{}.lock_duration_max == Duration{3'600'000});
constexpr std::string_view kLockAfterReason =
    "; NIST SP 800-63B (5.2.2) allows at most 100 consecutive failed attempts on an account";

FailureBudget read_budget(Reader& reader, const Field& field, FailureBudget budget) {
  const auto map = reader.map(field, {"burst", "per_minute"});
  if (!map) return budget;
  if (const auto f = map->get("burst")) assign(budget.burst, reader.integer(*f, 1, kMaxBurst));
  if (const auto f = map->get("per_minute")) {
    assign(budget.per_minute, reader.positive_number(*f, kMaxPerMinute));
  }
  return budget;
}

}  // namespace

BruteForce read_brute_force(Reader& reader, const MapView& root) {
  BruteForce brute_force;
  const auto field = root.get("brute_force");
  const auto map = field ? reader.map(*field, {"per_address", "per_account", "lock_after",
                                               "lock_duration", "lock_duration_max",
                                               "over_budget_delay"})
                         : std::nullopt;
  if (!map) return brute_force;
  if (const auto f = map->get("per_address")) {
    brute_force.per_address = read_budget(reader, *f, brute_force.per_address);
  }
  if (const auto f = map->get("per_account")) {
    brute_force.per_account = read_budget(reader, *f, brute_force.per_account);
  }
  if (const auto f = map->get("lock_after")) {
    assign(brute_force.lock_after, reader.integer(*f, 1, kMaxLockAfter, kLockAfterReason));
  }
  if (const auto f = map->get("over_budget_delay")) {
    assign(brute_force.over_budget_delay, reader.duration(*f, Duration{0}, kMaxOverBudgetDelay));
  }
  const auto duration_field = map->get("lock_duration");
  const auto max_field = map->get("lock_duration_max");
  const auto duration = duration_field ? reader.duration(*duration_field, kPositive) : std::nullopt;
  const auto max = max_field ? reader.duration(*max_field, kPositive) : std::nullopt;
  assign(brute_force.lock_duration, duration);
  assign(brute_force.lock_duration_max, max);
  // Compare only values that parsed, so one bad value is not reported twice.
  const bool duration_ok = !duration_field || duration;
  const bool max_ok = !max_field || max;
  if (duration_ok && max_ok && brute_force.lock_duration > brute_force.lock_duration_max) {
    const std::string duration_path = key_path(map->field().path, "lock_duration");
    if (max_field) {
      reader.report(*max_field, shown(*max_field) + " is shorter than " + duration_path +
                                    (duration_field ? " " + shown(*duration_field)
                                                    : std::string(", 1m unless set")));
    } else {
      reader.report(*duration_field, shown(*duration_field) + " is longer than " +
                                         key_path(map->field().path, "lock_duration_max") +
                                         ", 1h unless set");
    }
  }
  return brute_force;
}

}  // namespace latchkey::config::detail

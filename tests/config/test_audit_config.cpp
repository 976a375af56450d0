// The audit section: the retention of audit events, its default, `never`, and one clear error
// per mistake; restart-only on SIGHUP.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "config/reload_plan.hpp"
#include "tests/config/config_test_support.hpp"

namespace latchkey::config::test {

namespace {

constexpr long long kDayMs = 24LL * 3'600'000;

// The section starts on line 5.
std::string with_audit(const std::string& section) {
  return kHead + kRoutes + "audit: " + section + "\n";
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(audit_config, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(keeps_a_year_unless_set) {
  BOOST_TEST(parse(kHead + kRoutes).audit.retention.value().count() == 365 * kDayMs);
  BOOST_TEST(parse(with_audit("{}")).audit.retention.value().count() == 365 * kDayMs);
}

BOOST_AUTO_TEST_CASE(reads_a_lifetime_or_never) {
  BOOST_TEST(parse(with_audit("{ retention: 90d }")).audit.retention.value().count() ==
             90 * kDayMs);
  BOOST_TEST(parse(with_audit("{ retention: 36h }")).audit.retention.value().count() ==
             36 * 3'600'000LL);
  BOOST_TEST(parse(with_audit("{ retention: 3650d }")).audit.retention.value().count() ==
             3650 * kDayMs);
  BOOST_TEST(!parse(with_audit("{ retention: never }")).audit.retention.has_value());
}

BOOST_AUTO_TEST_CASE(mistakes_name_the_key_and_line) {
  using Problems = std::vector<std::string>;
  const std::string format =
      " is not a retention: a whole number and s, m, h or d, from 1s to 3650d, like 365d, or "
      "never (line 5)";
  for (const std::string bad :
       {"1y", "90", "d", "-1d", "1.5d", "3651d", "Never", "forever", "\"\""}) {
    const std::string shown = bad == "\"\"" ? bad : "\"" + bad + "\"";
    BOOST_TEST(problems_of(with_audit("{ retention: " + bad + " }")) ==
                   Problems{"audit.retention: " + shown + format},
               boost::test_tools::per_element());
  }
  for (const std::string zero : {"0", "0d", "00h"}) {
    BOOST_TEST(problems_of(with_audit("{ retention: " + zero + " }")) ==
                   Problems{"audit.retention: \"" + zero +
                            "\" is not a retention; to keep events forever, use never (line 5)"},
               boost::test_tools::per_element());
  }
  const auto unknown = problems_of(with_audit("{ retention: 30d, keep: 10 }"));
  BOOST_TEST_REQUIRE(unknown.size() == 1u);
  BOOST_TEST(unknown[0].starts_with("audit.keep: "), unknown[0]);
  BOOST_TEST(unknown[0].ends_with("(line 5)"), unknown[0]);
  const auto not_a_map = problems_of(with_audit("30d"));
  BOOST_TEST_REQUIRE(not_a_map.size() == 1u);
  BOOST_TEST(not_a_map[0].starts_with("audit: "), not_a_map[0]);
}

BOOST_AUTO_TEST_CASE(a_reload_keeps_the_running_retention_and_names_it) {
  const Config running = parse(kHead + kRoutes);
  const ReloadPlan plan = plan_reload(running, parse(with_audit("{ retention: 30d }")));
  BOOST_TEST(plan.needs_restart == std::vector<std::string>{"audit.retention"},
             boost::test_tools::per_element());
  BOOST_TEST(plan.effective.audit.retention.value().count() == 365 * kDayMs);
  const ReloadPlan never = plan_reload(running, parse(with_audit("{ retention: never }")));
  BOOST_TEST(never.needs_restart == std::vector<std::string>{"audit.retention"},
             boost::test_tools::per_element());
  BOOST_TEST(plan_reload(running, parse(with_audit("{ retention: 365d }"))).needs_restart.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::config::test

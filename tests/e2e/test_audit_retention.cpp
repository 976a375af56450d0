// `latchkey serve` deletes audit events past audit.retention, in a round at start.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

BOOST_AUTO_TEST_SUITE(audit_retention)

BOOST_AUTO_TEST_CASE(serve_deletes_events_past_the_retention_at_start) {
  DeploymentOptions options;
  options.extra_sections = "audit: { retention: 30d }\n";
  options.sql_before_start =
      "INSERT INTO audit_events (at, event) SELECT now() - interval '31 days' - i * "
      "interval '1 hour', 'test.old' FROM generate_series(1, 25) AS i UNION ALL "
      "SELECT now() - interval '29 days', 'test.kept'";
  Deployment d(options);
  BOOST_TEST(d.log_contains("\"event\":\"audit_pruned\",\"deleted\":25"), d.log_text());
  const auto count = [&](const std::string& event) {
    return d.database().query_value("SELECT count(*) FROM audit_events WHERE event = '" + event +
                                    "'");
  };
  BOOST_TEST(count("test.old") == "0");
  BOOST_TEST(count("test.kept") == "1");
  BOOST_TEST(d.metric("latchkey_audit_events_pruned_total") == 25);
}

BOOST_AUTO_TEST_CASE(retention_never_keeps_every_event) {
  DeploymentOptions options;
  options.extra_sections = "audit: { retention: never }\n";
  options.sql_before_start =
      "INSERT INTO audit_events (at, event) VALUES (now() - interval '20 years', 'test.old')";
  Deployment d(options);
  // The first round would run within a second of start (one flush interval).
  BOOST_TEST(!d.log_contains("audit_pruned", std::chrono::seconds(2)));
  BOOST_TEST(d.database().query_value("SELECT count(*) FROM audit_events") == "1");
  BOOST_TEST(d.metric("latchkey_audit_events_pruned_total") == -1);  // not exported
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

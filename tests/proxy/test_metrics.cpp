// The /metrics exposition: families, labels, histogram buckets, escaping, and counts that add
// up when several threads increment at once.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "proxy/metric_labels.hpp"
#include "proxy/metrics.hpp"

using latchkey::proxy::MetricKind;
using latchkey::proxy::MetricLabels;
using latchkey::proxy::Metrics;
using latchkey::proxy::parse_metric_labels;
using latchkey::proxy::SampledFamily;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(metric_labels)

BOOST_AUTO_TEST_CASE(parses_the_form_the_proxy_writes) {
  const auto labels = parse_metric_labels(R"(route="tracker",status="200")");
  BOOST_TEST_REQUIRE(labels.has_value());
  BOOST_TEST(labels->size() == 2u);
  BOOST_TEST((*labels)[0].first == "route");
  BOOST_TEST((*labels)[0].second == "tracker");
  BOOST_TEST((*labels)[1].first == "status");
  BOOST_TEST((*labels)[1].second == "200");
  BOOST_TEST(parse_metric_labels("")->empty());
}

BOOST_AUTO_TEST_CASE(values_are_raw_and_may_hold_quotes_commas_and_backslashes) {
  const auto labels = parse_metric_labels(R"(path="a\b"c,d",next="x")");
  BOOST_TEST_REQUIRE(labels.has_value());
  BOOST_TEST_REQUIRE(labels->size() == 2u);
  BOOST_TEST((*labels)[0].second == R"(a\b"c,d)");
  BOOST_TEST((*labels)[1].second == "x");
}

BOOST_AUTO_TEST_CASE(refuses_malformed_strings) {
  for (const char* bad : {"route", "route=tracker", R"(route="x)", R"(route="x",)",
                          R"(1route="x")", R"(a="1",a="2")", R"(__name__="x")", R"(="x")",
                          R"(route="x"junk)"}) {
    BOOST_TEST(!parse_metric_labels(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(counters_render_with_type_help_and_labels) {
  Metrics metrics;
  metrics.increment("latchkey_requests_total", R"(route="tracker",status="200")");
  metrics.increment("latchkey_requests_total", R"(route="tracker",status="200")", 2);
  metrics.increment("latchkey_requests_total", R"(route="none",status="404")");
  metrics.increment("latchkey_auth_denied_total", R"(reason="bad_password")");
  const std::string text = metrics.render_prometheus();
  BOOST_TEST(has_line(text, "# TYPE latchkey_requests_total counter"), text);
  BOOST_TEST(has_line(text, "# HELP latchkey_requests_total Requests answered, by route and status."));
  BOOST_TEST(has_line(text, R"(latchkey_requests_total{route="tracker",status="200"} 3)"), text);
  BOOST_TEST(has_line(text, R"(latchkey_requests_total{route="none",status="404"} 1)"), text);
  BOOST_TEST(has_line(text, R"(latchkey_auth_denied_total{reason="bad_password"} 1)"), text);
  BOOST_TEST(metrics.value("latchkey_requests_total", R"(route="tracker",status="200")") == 3u);
  BOOST_TEST(metrics.value("latchkey_requests_total", R"(route="other",status="200")") == 0u);
  BOOST_TEST(metrics.value("latchkey_never_used_total") == 0u);
}

BOOST_AUTO_TEST_CASE(labels_keep_the_order_the_caller_wrote) {
  Metrics metrics;
  metrics.increment("latchkey_upstream_errors_total", R"(route="raw",reason="bad_upstream_response")");
  metrics.increment("latchkey_auth_allowed_total", R"(credential="app_password",cached="true")");
  const std::string text = metrics.render_prometheus();
  BOOST_TEST(has_line(text, R"(latchkey_upstream_errors_total{route="raw",reason="bad_upstream_response"} 1)"),
             text);
  BOOST_TEST(has_line(text, R"(latchkey_auth_allowed_total{credential="app_password",cached="true"} 1)"),
             text);
}

BOOST_AUTO_TEST_CASE(unlabelled_counters_and_large_counts_render_exactly) {
  Metrics metrics;
  metrics.increment("latchkey_limit_hits_total", R"(limit="max_connections")", 123456789012);
  metrics.increment("latchkey_plain_total");
  const std::string text = metrics.render_prometheus();
  BOOST_TEST(has_line(text, R"(latchkey_limit_hits_total{limit="max_connections"} 123456789012)"),
             text);
  BOOST_TEST(has_line(text, "latchkey_plain_total 1"), text);
}

BOOST_AUTO_TEST_CASE(histograms_have_the_latency_buckets_sum_and_count) {
  Metrics metrics;
  metrics.observe("latchkey_request_duration_seconds", R"(route="tracker")", 0.003);
  metrics.observe("latchkey_request_duration_seconds", R"(route="tracker")", 0.2);
  metrics.observe("latchkey_request_duration_seconds", R"(route="tracker")", 30);
  const std::string text = metrics.render_prometheus();
  BOOST_TEST(has_line(text, "# TYPE latchkey_request_duration_seconds histogram"), text);
  const std::string series = R"(latchkey_request_duration_seconds_bucket{route="tracker",le=")";
  BOOST_TEST(has_line(text, series + R"(0.001"} 0)"), text);
  BOOST_TEST(has_line(text, series + R"(0.005"} 1)"), text);
  BOOST_TEST(has_line(text, series + R"(0.25"} 2)"), text);
  BOOST_TEST(has_line(text, series + R"(10"} 2)"), text);
  BOOST_TEST(has_line(text, series + R"(+Inf"} 3)"), text);
  BOOST_TEST(has_line(text, R"(latchkey_request_duration_seconds_count{route="tracker"} 3)"), text);
  BOOST_TEST(has_line(text, R"(latchkey_request_duration_seconds_sum{route="tracker"} 30.203)"),
             text);
}

BOOST_AUTO_TEST_CASE(label_values_with_quotes_backslashes_and_newlines_are_escaped) {
  Metrics metrics;
  metrics.increment("latchkey_test_total", "name=\"a\\b\"c\nd\"");
  const std::string text = metrics.render_prometheus();
  BOOST_TEST(has_line(text, R"(latchkey_test_total{name="a\\b\"c\nd"} 1)"), text);
}

BOOST_AUTO_TEST_CASE(malformed_names_and_labels_are_refused) {
  Metrics metrics;
  BOOST_CHECK_THROW(metrics.increment("latchkey requests"), std::invalid_argument);
  BOOST_CHECK_THROW(metrics.increment("latchkey_x_total", "route=x"), std::invalid_argument);
  BOOST_CHECK_THROW(metrics.observe("latchkey_y_seconds", "route", 1.0), std::invalid_argument);
  // A refusal leaves nothing half-registered behind.
  metrics.increment("latchkey_x_total", R"(route="x")");
  BOOST_TEST(metrics.value("latchkey_x_total", R"(route="x")") == 1u);
}

BOOST_AUTO_TEST_CASE(samplers_render_gauges_and_counters_read_at_scrape_time) {
  Metrics metrics;
  int scrapes = 0;
  metrics.add_sampler([&scrapes] {
    ++scrapes;
    return std::vector<SampledFamily>{
        {"latchkey_db_pool_in_use", MetricKind::gauge, {{"", 3}}},
        {"latchkey_upstream_connect_errors_total",
         MetricKind::counter,
         {{R"(upstream="127.0.0.1:1")", 2}, {R"(upstream="127.0.0.1:2")", 0}}},
    };
  });
  metrics.add_collector([] { return std::string("# TYPE legacy_gauge gauge\nlegacy_gauge 7\n"); });
  const std::string text = metrics.render_prometheus();
  BOOST_TEST(scrapes == 1);
  BOOST_TEST(has_line(text, "# TYPE latchkey_db_pool_in_use gauge"), text);
  BOOST_TEST(has_line(text, "latchkey_db_pool_in_use 3"), text);
  BOOST_TEST(has_line(text, "# TYPE latchkey_upstream_connect_errors_total counter"), text);
  BOOST_TEST(has_line(text, R"(latchkey_upstream_connect_errors_total{upstream="127.0.0.1:1"} 2)"),
             text);
  BOOST_TEST(has_line(text, "legacy_gauge 7"), text);
}

BOOST_AUTO_TEST_CASE(concurrent_increments_from_several_threads_sum_up) {
  Metrics metrics;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      const std::string own = "thread=\"" + std::to_string(t) + "\"";
      for (int i = 0; i < kPerThread; ++i) {
        metrics.increment("latchkey_shared_total", R"(route="tracker")");
        metrics.increment("latchkey_own_total", own);  // first uses race with lookups
        metrics.observe("latchkey_request_duration_seconds", R"(route="tracker")", 0.001);
      }
    });
  }
  // Scrapes while the counts move must not disturb them.
  for (int i = 0; i < 20; ++i) (void)metrics.render_prometheus();
  for (auto& thread : threads) thread.join();
  BOOST_TEST(metrics.value("latchkey_shared_total", R"(route="tracker")") ==
             std::uint64_t{kThreads} * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    BOOST_TEST(metrics.value("latchkey_own_total", "thread=\"" + std::to_string(t) + "\"") ==
               std::uint64_t{kPerThread});
  }
  const std::string text = metrics.render_prometheus();
  BOOST_TEST(has_line(text, R"(latchkey_request_duration_seconds_count{route="tracker"} )" +
                                std::to_string(kThreads * kPerThread)),
             text);
}

BOOST_AUTO_TEST_SUITE_END()

// `latchkey audit`, run as the real binary against a fresh database.
#include <stdlib.h>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/db/cli_fixture.hpp"

using namespace latchkey;

namespace {

using cli_test::expect_exit;
using test::contains;
using test::lines_of;

// The whitespace-separated words of a line.
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t start = line.find_first_not_of(' ', i);
    if (start == std::string::npos) break;
    const std::size_t end = line.find(' ', start);
    out.push_back(line.substr(start, end - start));
    i = end == std::string::npos ? line.size() : end;
  }
  return out;
}

struct AuditCliFixture : cli_test::LatchkeyCli {
  AuditCliFixture() : LatchkeyCli("audit_cli") {}

  // alice and bob with a few CLI events; returns alice's application password as shown.
  std::string populate() const {
    ok({"migrate"});
    ok({"user", "add", "alice", "--password-stdin"}, "alice account password\n");
    const auto created = ok({"app-password", "new", "alice", "--name", "laptop"});
    ok({"user", "add", "bob", "--password-stdin"}, "bob account password\n");
    ok({"app-password", "revoke", "alice", "laptop"});
    return lines_of(created.out).at(1);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(audit_cli, AuditCliFixture)

BOOST_AUTO_TEST_CASE(help_needs_no_config) {
  for (const char* flag : {"--help", "-h"}) {
    const auto result = run_with({}, {"audit", flag});
    BOOST_TEST(result.exit_code == 0, test::describe(result));
    BOOST_TEST(result.out.starts_with("usage: latchkey [--config FILE] audit [USER]"));
    BOOST_TEST(result.err.empty());
  }
  const auto top = run_with({}, {"--help"});
  BOOST_TEST(contains(top.out, "  audit [USER] [--since WHEN] [--json] "));
  BOOST_TEST(contains(top.out, "] [--json]     print audit events\n"));
  BOOST_TEST(
      contains(top.out, "  audit prune [--older-than DURATION]      delete old audit events\n"));
}

BOOST_AUTO_TEST_CASE(lists_cli_events_in_order_in_columns_without_secrets) {
  const std::string password = populate();
  const auto result = ok({"audit"});
  const auto lines = lines_of(result.out);
  BOOST_REQUIRE(lines.size() == 5u);
  BOOST_TEST(
      words(lines[0]) == (std::vector<std::string>{"TIME", "USER", "EVENT", "SOURCE", "DETAIL"}),
      boost::test_tools::per_element());
  const std::vector<std::pair<std::string, std::string>> expected{
      {"alice", "user.created"},
      {"alice", "app_password.created"},
      {"bob", "user.created"},
      {"alice", "app_password.revoked"},
  };
  const std::size_t detail_column = lines[0].find("DETAIL");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto w = words(lines[i + 1]);
    BOOST_REQUIRE(w.size() >= 5u);
    BOOST_TEST(w[0].size() == 20u);  // 2024-05-01T12:34:56Z
    BOOST_TEST(w[0].back() == 'Z');
    BOOST_TEST(w[1] == expected[i].first);
    BOOST_TEST(w[2] == expected[i].second);
    BOOST_TEST(w[3] == "cli");
    BOOST_TEST(lines[i + 1].substr(detail_column, 1) == "{", lines[i + 1]);  // aligned
  }
  // Compact JSON detail.
  BOOST_TEST(contains(lines[2], "{\"name\":\"laptop\",\"app_password_id\":"), lines[2]);
  BOOST_TEST(lines[1].ends_with("{}"));
  BOOST_TEST(!contains(result.out, password));
  BOOST_TEST(!contains(result.out, "account password"));
}

BOOST_AUTO_TEST_CASE(user_filters_ignoring_case_and_unknown_user_fails) {
  populate();
  auto lines = lines_of(ok({"audit", "BOB"}).out);
  BOOST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(words(lines[1])[2] == "user.created");
  lines = lines_of(ok({"audit", "alice"}).out);
  BOOST_TEST(lines.size() == 4u);
  expect_exit(run({"audit", "nobody"}), 1, "no user \"nobody\"");
  expect_exit(run({"audit", "alice", "bob"}), 2, "unexpected argument \"bob\"");
  expect_exit(run({"audit", "a:b"}), 2, "contains ':'");
}

BOOST_AUTO_TEST_CASE(since_takes_durations_and_iso_8601) {
  populate();
  sql("UPDATE audit_events SET at = '2020-01-02T03:04:05Z' WHERE event = 'user.created' "
      "AND username = 'alice' RETURNING id");
  auto lines = lines_of(ok({"audit"}).out);
  BOOST_REQUIRE(lines.size() == 5u);
  BOOST_TEST(lines[1].starts_with("2020-01-02T03:04:05Z  alice"), lines[1]);  // oldest first

  const auto count = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "audit");
    return lines_of(ok(args).out).size() - 1;
  };
  BOOST_TEST(count({"--since", "1h"}) == 3u);
  BOOST_TEST(count({"--since=30m"}) == 3u);
  BOOST_TEST(count({"alice", "--since", "7d"}) == 2u);
  BOOST_TEST(count({"--since", "10000d"}) == 4u);
  BOOST_TEST(count({"--since", "2020-01-02"}) == 4u);
  BOOST_TEST(count({"--since", "2020-01-02T03:04:05Z"}) == 4u);
  BOOST_TEST(count({"--since", "2020-01-02T03:04:06Z"}) == 3u);
  BOOST_TEST(count({"--since", "2020-01-02T04:04:05+01:00"}) == 4u);  // the same instant
  BOOST_TEST(count({"--since", "2020-01-02T02:04:06-01:00"}) == 3u);
  BOOST_TEST(count({"--since", "2020-01-02 03:04:05.5"}) == 3u);
  BOOST_TEST(count({"--since", "2999-01-01"}) == 0u);

  for (const std::string bad :
       {"yesterday", "1y", "h", "-1h", "1.5h", "2020-13-01", "2020-02-30", "2020-01-02T25:00",
        "2020-01-02T03:04:05+2", "2020-01-02Z", "99999999999999d", ""}) {
    const auto result = run({"audit", "--since", bad});
    expect_exit(result, 2, "--since \"" + bad + "\"");
  }
  // A bad value is refused before any configuration or database is looked at.
  expect_exit(run_with({}, {"audit", "--since", "soon"}), 2, "--since \"soon\"");
}

BOOST_AUTO_TEST_CASE(limit_keeps_the_newest_in_order) {
  populate();
  auto lines = lines_of(ok({"audit", "--limit", "2"}).out);
  BOOST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(words(lines[1])[1] == "bob");
  BOOST_TEST(words(lines[2])[2] == "app_password.revoked");
  for (const std::string bad : {"0", "-1", "x", "10000000", "1e3"}) {
    expect_exit(run({"audit", "--limit", bad}), 2, "--limit \"" + bad + "\"");
  }
}

BOOST_AUTO_TEST_CASE(json_is_an_array_of_objects) {
  const std::string password = populate();
  const auto result = ok({"audit", "--json"});
  BOOST_TEST(lines_of(result.out).size() == 1u);
  const auto array = boost::json::parse(result.out).as_array();
  BOOST_REQUIRE(array.size() == 4u);
  const auto& created = array[1].as_object();
  BOOST_TEST(created.at("event").as_string() == "app_password.created");
  BOOST_TEST(created.at("username").as_string() == "alice");
  BOOST_TEST(created.at("source").as_string() == "cli");
  BOOST_TEST(created.at("user_id").is_int64());
  BOOST_TEST(created.at("at").as_string().size() == 20u);
  BOOST_TEST(created.at("detail").as_object().at("name").as_string() == "laptop");
  BOOST_TEST(array[0].as_object().at("id").as_int64() < created.at("id").as_int64());
  BOOST_TEST(!contains(result.out, password));

  const auto empty = ok({"audit", "bob", "--json", "--since", "2999-01-01"});
  BOOST_TEST(empty.out == "[]\n");
}

BOOST_AUTO_TEST_CASE(refused_logins_and_hostile_text_are_shown_harmlessly) {
  populate();
  // Rows as the proxy writes them, plus text no latchkey writer would store: the CLI must
  // still not pass terminal controls or bidirectional overrides through.
  sql("INSERT INTO audit_events (username, event, detail, source) VALUES "
      "('', 'login.refused', jsonb_build_object('reason', 'unknown_user', 'count', 42, "
      "'username', 'mallory' || chr(27) || '[2J' || chr(8238) || 'x'), '203.0.113.' || chr(155)) "
      "RETURNING id");
  const auto text = ok({"audit", "--since", "1h"});
  const auto lines = lines_of(text.out);
  BOOST_REQUIRE(lines.size() == 6u);
  BOOST_TEST(words(lines[5])[1] == "-");  // no account
  BOOST_TEST(words(lines[5])[2] == "login.refused");
  BOOST_TEST(words(lines[5])[3] == "203.0.113.?");
  BOOST_TEST(contains(lines[5], "\"username\":\"mallory?[2J?x\""), lines[5]);
  for (const char* bad : {"\x1b", "\xc2\x9b", "\xe2\x80\xae"}) {
    BOOST_TEST(!contains(text.out, bad));
  }
  const auto json = ok({"audit", "--json", "--limit", "1"});
  const auto refused = boost::json::parse(json.out).as_array().at(0).as_object();
  BOOST_TEST(refused.at("username").is_null());
  BOOST_TEST(refused.at("user_id").is_null());
  BOOST_TEST(refused.at("detail").as_object().at("count").as_int64() == 42);
  for (const char* bad : {"\x1b", "\xc2\x9b", "\xe2\x80\xae"}) {
    BOOST_TEST(!contains(json.out, bad));
  }
}

BOOST_AUTO_TEST_CASE(needs_a_migrated_database) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"audit"}, std::vector<std::string>{"audit", "prune"}}) {
    const auto result = run(args);
    BOOST_TEST(result.exit_code == 1, test::describe(result));
    BOOST_TEST(contains(result.err, "run `latchkey migrate` first"), test::describe(result));
  }
}

BOOST_AUTO_TEST_CASE(prune_deletes_what_is_past_the_retention_and_says_how_much) {
  populate();
  sql("UPDATE audit_events SET at = '2020-01-02T03:04:05Z' WHERE event = 'user.created' "
      "AND username = 'alice' RETURNING id");
  sql("UPDATE audit_events SET at = now() - interval '2 days' WHERE event = 'user.created' "
      "AND username = 'bob' RETURNING id");
  BOOST_TEST(ok({"audit", "prune"}).out == "deleted 1 audit event older than 365d\n");
  BOOST_TEST(sql("SELECT count(*) FROM audit_events") == "3");
  BOOST_TEST(ok({"audit", "prune", "--older-than", "36h"}).out ==
             "deleted 1 audit event older than 36h\n");
  BOOST_TEST(ok({"audit", "prune", "--older-than=1d"}).out ==
             "deleted 0 audit events older than 1d\n");
  const auto lines = lines_of(ok({"audit"}).out);
  BOOST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(words(lines[1])[2] == "app_password.created");
  BOOST_TEST(words(lines[2])[2] == "app_password.revoked");
  // The word is an action only in first place: the events of an account named "prune".
  expect_exit(run({"audit", "--", "prune"}), 1, "no user \"prune\"");
}

BOOST_AUTO_TEST_CASE(prune_refuses_bad_arguments_before_touching_anything) {
  populate();
  sql("UPDATE audit_events SET at = '2020-01-02T03:04:05Z' RETURNING id");
  for (const std::string bad : {"1y", "90", "0d", "-1d", "1.5d", "3651d", "never", ""}) {
    expect_exit(run({"audit", "prune", "--older-than", bad}), 2,
                "--older-than \"" + bad + "\" is not a duration");
  }
  // Refused before any configuration or database is looked at.
  expect_exit(run_with({}, {"audit", "prune", "--older-than", "soon"}), 2, "--older-than \"soon\"");
  expect_exit(run({"audit", "prune", "--older-than"}), 2, "--older-than needs a value");
  expect_exit(run({"audit", "prune", "--since", "1d"}), 2, "unknown option \"--since\"");
  expect_exit(run({"audit", "prune", "alice"}), 2, "unexpected argument \"alice\"");
  BOOST_TEST(sql("SELECT count(*) FROM audit_events") == "4");

  const auto help = run({"audit", "prune", "--help"});
  BOOST_TEST(help.exit_code == 0, test::describe(help));
  BOOST_TEST(help.out.starts_with("usage: latchkey [--config FILE] audit prune [--older-than"));
}

BOOST_AUTO_TEST_CASE(prune_with_retention_never_needs_older_than) {
  populate();
  sql("UPDATE audit_events SET at = '2020-01-02T03:04:05Z' RETURNING id");
  const auto never = dir / "never.yaml";
  std::filesystem::copy_file(config_path, never);
  std::ofstream(never, std::ios::app) << "audit: { retention: never }\n";
  expect_exit(
      run_with(never, {"audit", "prune"}), 2,
      "audit.retention is never (keep forever) in " + never.string() + "; give --older-than");
  BOOST_TEST(sql("SELECT count(*) FROM audit_events") == "4");
  const auto pruned = run_with(never, {"audit", "prune", "--older-than", "30d"});
  BOOST_TEST(pruned.exit_code == 0, test::describe(pruned));
  BOOST_TEST(pruned.out == "deleted 4 audit events older than 30d\n");
  BOOST_TEST(sql("SELECT count(*) FROM audit_events") == "0");
}

BOOST_AUTO_TEST_SUITE_END()

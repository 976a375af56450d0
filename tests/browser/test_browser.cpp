// Starts a real deployment with the self-service page, a user with TOTP set up through the
// CLI and one without (who turns it on in the page), and runs walk.mjs in headless Chromium.
#define BOOST_TEST_MODULE browser
#define BOOST_TEST_DYN_LINK
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <ctime>
#include <filesystem>
#include <thread>

#include "auth/totp.hpp"
#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

BOOST_AUTO_TEST_CASE(walk_through_the_account_security_page) {
  const std::string browser_dir = LATCHKEY_BROWSER_DIR;
  // The test installs its own node modules when scripts/install-deps has not.
  if (!std::filesystem::exists(browser_dir + "/node_modules/playwright-core")) {
    RunOptions npm;
    npm.working_directory = browser_dir;
    npm.env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";
    npm.timeout = std::chrono::minutes(5);
    const ProcessResult installed =
        run_process({"npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"}, npm);
    BOOST_REQUIRE_MESSAGE(installed.exit_code == 0, describe(installed));
  }
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/chromium"),
                        "Debian's chromium is missing: run scripts/install-deps");

  DeploymentOptions options;
  options.self_service = "{ enabled: true }";
  options.extra_routes =
      "  - name: api\n"
      "    match: { path_prefix: /api }\n"
      "    upstream: { url: \"@UPSTREAM@\" }\n"
      "    auth: { accept: [app_password, token], realm: api }\n";
  Deployment d(options);
  d.add_user("alice", "alice-account-pw", false);
  d.add_user("bruno", "bruno-account-pw", false);
  const ProcessResult enabled = d.cli({"totp", "enable", "alice", "--json"});
  BOOST_REQUIRE_MESSAGE(enabled.exit_code == 0, describe(enabled));
  const auto secret =
      auth::base32_decode(std::string(boost::json::parse(enabled.out).at("secret").as_string()));
  BOOST_REQUIRE(secret.has_value());
  // Confirmed with the previous step's code, so the current one is left for the browser.
  while (std::time(nullptr) % auth::kTotpStepSeconds >= auth::kTotpStepSeconds - 5) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const std::string code =
      auth::hotp_code(*secret, static_cast<std::uint64_t>(auth::totp_step(std::time(nullptr)) - 1));
  const ProcessResult confirmed = d.cli({"totp", "confirm", "alice", "--code-stdin"}, code + "\n");
  BOOST_REQUIRE_MESSAGE(confirmed.exit_code == 0, describe(confirmed));

  const std::string screenshots = LATCHKEY_SCREENSHOT_DIR;
  std::filesystem::remove_all(screenshots);
  RunOptions walk;
  walk.working_directory = browser_dir;
  walk.timeout = std::chrono::minutes(3);
  walk.env["BASE_URL"] = d.base_url();
  walk.env["LK_USERNAME"] = "alice";
  walk.env["LK_PASSWORD"] = "alice-account-pw";
  walk.env["LK_PLAIN_USERNAME"] = "bruno";
  walk.env["LK_PLAIN_PASSWORD"] = "bruno-account-pw";
  std::string hex;
  for (unsigned char c : *secret) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  walk.env["TOTP_SECRET_HEX"] = hex;
  walk.env["SCREENSHOT_DIR"] = screenshots;
  const ProcessResult result = run_process({"node", "walk.mjs"}, walk);
  BOOST_TEST_MESSAGE(result.out);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, describe(result) + "\n" + result.out);

  // What the page did is in the database: the password was created and is revoked now.
  const auto listed = boost::json::parse(d.cli({"app-password", "list", "alice", "--json"}).out);
  BOOST_TEST_REQUIRE(listed.as_array().size() == 1u);
  BOOST_TEST(listed.as_array()[0].at("name").as_string() == "YouTrack Mobile");
  BOOST_TEST(listed.as_array()[0].at("state").as_string() == "revoked");
  const auto tokens = boost::json::parse(d.cli({"token", "list", "alice", "--json"}).out);
  BOOST_TEST_REQUIRE(tokens.as_array().size() == 1u);
  BOOST_TEST(tokens.as_array()[0].at("name").as_string() == "issue sync");
  // Revoked after the password change, under the session's new id and CSRF token.
  BOOST_TEST(tokens.as_array()[0].at("state").as_string() == "revoked");
  BOOST_TEST(!tokens.as_array()[0].at("expires_at").is_null());
  // The second user turned TOTP on in the page.
  const auto users = boost::json::parse(d.cli({"user", "list", "--json"}).out);
  std::string bruno_totp;
  for (const auto& user : users.as_array()) {
    if (user.at("username").as_string() == "bruno") bruno_totp = user.at("totp").as_string();
  }
  BOOST_TEST(bruno_totp == "enabled");
  BOOST_TEST(d.cli({"audit", "bruno"}).out.find("totp.enabled") != std::string::npos);
  std::size_t shots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(screenshots)) {
    if (entry.path().extension() == ".png" && entry.file_size() > 1000) ++shots;
  }
  BOOST_TEST(shots >= 8u);
}

}  // namespace latchkey::test

#include "tests/web/self_service_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ctime>
#include <thread>

#include "auth/totp.hpp"

namespace latchkey::test {

int status_settled(const std::function<int()>& probe, int wanted) {
  int status = 0;
  for (int i = 0; i < 40; ++i) {
    status = probe();
    if (status == wanted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status;
}

std::string session_cookie_set(const HttpResult& result) {
  const std::string cookie = result.header("Set-Cookie");
  const std::string prefix = "latchkey_session=";
  if (!cookie.starts_with(prefix)) return "";
  return cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
}

std::string json_text(const std::string& text) {
  return boost::json::serialize(boost::json::value(boost::json::string(text)));
}

PageClient::PageClient(Deployment& deployment, std::string name)
    : deployment_(deployment),
      jar_("/tmp/latchkey-jar-" + std::to_string(::getpid()) + "-" + name + "-" +
           std::to_string(reinterpret_cast<std::uintptr_t>(this))) {
  std::remove(jar_.c_str());
}

HttpResult PageClient::call(const std::string& method, const std::string& path,
                            const std::string& json_body,
                            const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"-X", method, "-b", jar_, "-c", jar_};
  if (!json_body.empty()) {
    args.insert(args.end(), {"-H", "Content-Type: application/json", "--data-binary", json_body});
  }
  if (!csrf_.empty()) args.insert(args.end(), {"-H", "X-CSRF-Token: " + csrf_});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  HttpResult result = deployment_.curl("/-/account/api/" + path, args);
  if (result.status == 200) {
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(result.body, ec);
    if (!ec && body.is_object() && body.as_object().contains("csrf_token")) {
      csrf_ = std::string(body.at("csrf_token").as_string());
    }
  }
  return result;
}

HttpResult PageClient::sign_in(const std::string& username, const std::string& password,
                               const std::string& code) {
  std::string body =
      "{\"username\":" + json_text(username) + ",\"password\":" + json_text(password);
  if (!code.empty()) body += ",\"code\":" + json_text(code);
  body += "}";
  return call("POST", "session", body);
}

std::string PageClient::start_totp(const std::string& current_password) {
  const HttpResult started =
      call("POST", "totp", "{\"current_password\":" + json_text(current_password) + "}");
  if (started.status != 200) return "";
  return auth::base32_decode(
             std::string(boost::json::parse(started.body).at("secret").as_string()))
      .value_or("");
}

void wait_for_fresh_step() {
  // Codes are computed and checked a moment apart: never across a step boundary.
  while (std::time(nullptr) % auth::kTotpStepSeconds >= auth::kTotpStepSeconds - 4) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string totp_code(const std::string& secret, int step_offset) {
  wait_for_fresh_step();
  const auto step = auth::totp_step(std::time(nullptr)) + step_offset;
  return auth::hotp_code(secret, static_cast<std::uint64_t>(step));
}

std::string add_totp_user(Deployment& deployment, const std::string& username,
                          const std::string& password) {
  deployment.add_user(username, password, false);
  const ProcessResult enabled = deployment.cli({"totp", "enable", username, "--json"});
  BOOST_REQUIRE_MESSAGE(enabled.exit_code == 0, describe(enabled));
  const auto secret =
      auth::base32_decode(std::string(boost::json::parse(enabled.out).at("secret").as_string()));
  BOOST_REQUIRE(secret.has_value());
  const ProcessResult confirmed =
      deployment.cli({"totp", "confirm", username, "--code-stdin"}, totp_code(*secret, -1) + "\n");
  BOOST_REQUIRE_MESSAGE(confirmed.exit_code == 0, describe(confirmed));
  return *secret;
}

}  // namespace latchkey::test

// A script's view of the self-service API: curl with a cookie jar, the CSRF token of the
// session it signed in with, and TOTP codes computed from a secret the test set up.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

inline constexpr const char* kSelfService =
    "{ enabled: true, path_prefix: /-/account/, session_idle: 15m, session_max: 12h }";

class PageClient {
 public:
  explicit PageClient(Deployment& deployment, std::string name = "client");

  // METHOD <prefix>api/PATH with a JSON body (empty: none) and the session's CSRF token; keeps
  // a new CSRF token that an answer carries (the session's id changed), as the page does.
  HttpResult call(const std::string& method, const std::string& path,
                  const std::string& json_body = "",
                  const std::vector<std::string>& extra_args = {});
  // POST api/session; keeps the CSRF token on success.
  HttpResult sign_in(const std::string& username, const std::string& password,
                     const std::string& code = "");
  // POST api/totp with the current password; the pending secret, raw ("" when refused).
  std::string start_totp(const std::string& current_password);
  void forget_csrf() { csrf_.clear(); }
  const std::string& csrf() const { return csrf_; }

 private:
  Deployment& deployment_;
  std::string jar_;
  std::string csrf_;
};

// Revocation reaches the proxy's cache by NOTIFY: at once, but asynchronously. Asks `probe`
// until it answers `wanted`, for up to 2 s; returns the last answer.
int status_settled(const std::function<int()>& probe, int wanted);

// The latchkey_session value a response's Set-Cookie gives ("" when it sets none).
std::string session_cookie_set(const HttpResult& result);

// JSON string literal of `text` for building request bodies.
std::string json_text(const std::string& text);

// A user with TOTP on, confirmed with the code of the step before now, so that the codes of
// the current and the next step are still unused. Returns the raw secret.
std::string add_totp_user(Deployment& deployment, const std::string& username,
                          const std::string& password);
// The code of `step_offset` steps from now; waits first when the step is about to change.
std::string totp_code(const std::string& secret, int step_offset);
void wait_for_fresh_step();

}  // namespace latchkey::test

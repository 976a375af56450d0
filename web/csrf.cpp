#include "web/csrf.hpp"

namespace latchkey::web {

bool is_state_changing(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

std::optional<std::string_view> cross_site_problem(const RequestOrigin& request) {
  // Fetch metadata: "same-origin" from the page, "none" when the user typed the address.
  if (!request.sec_fetch_site.empty() && request.sec_fetch_site != "same-origin" &&
      request.sec_fetch_site != "none") {
    return "csrf_cross_site";
  }
  if (!request.origin.empty()) {
    const std::string host(request.host);
    const bool same =
        !host.empty() && (request.origin == "https://" + host ||
                          (!request.https_only && request.origin == "http://" + host));
    if (!same) return "csrf_origin_mismatch";
  }
  return std::nullopt;
}

std::string csrf_token_for(const auth::KeyedHasher& hasher, std::string_view session_id) {
  return auth::to_hex(hasher.digest("self_service_csrf", session_id));
}

bool csrf_token_matches(std::string_view expected, std::string_view sent) {
  if (sent.empty() || expected.empty()) return false;
  return auth::constant_time_equal(expected, sent);
}

}  // namespace latchkey::web

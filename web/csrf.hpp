// Cross-site request forgery defences of the self-service API (OWASP CSRF cheat sheet): a
// state-changing call must come from the page's own origin (Origin, Sec-Fetch-Site) and, once
// signed in, carry the session's CSRF token in X-CSRF-Token. Pure logic.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/keyed_hash.hpp"

namespace latchkey::web {

inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// What a request says about where it came from; empty when the header was absent.
struct RequestOrigin {
  std::string_view origin;          // Origin
  std::string_view sec_fetch_site;  // Sec-Fetch-Site
  std::string_view host;            // Host
  // The page is served over https only (TLS here, or `secure_cookie` behind a terminator).
  // Otherwise both schemes pass: a TLS terminator in front makes the browser say https.
  bool https_only = false;
};

bool is_state_changing(std::string_view method);

// The reason to refuse a state-changing request from another site, or nullopt. Scripts such as
// curl send neither Origin nor Sec-Fetch-Site and pass; browsers always send one of them.
std::optional<std::string_view> cross_site_problem(const RequestOrigin& request);

// The session's token: a keyed digest of the session id, so nothing more is stored and no
// other replica needs to know it.
std::string csrf_token_for(const auth::KeyedHasher& hasher, std::string_view session_id);

// Constant-time; an empty `sent` never matches.
bool csrf_token_matches(std::string_view expected, std::string_view sent);

}  // namespace latchkey::web

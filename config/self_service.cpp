// The self_service section: the Account Security page on the proxy listener and its sessions.
#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

// Seconds are allowed so that tests can watch a session expire.
constexpr Duration kMinSession{1'000};
constexpr DurationLimit kMaxSessionIdle{Duration{24LL * 60 * 60 * 1000}, "24h",
                                        "; an idle session is an unattended signed-in browser"};
constexpr DurationLimit kMaxSessionMax{Duration{24LL * 60 * 60 * 1000}, "24h",
                                       "; sign in again at least daily"};

}  // namespace

SelfService read_self_service(Reader& reader, const MapView& root) {
  SelfService self_service;
  const auto field = root.get("self_service");
  const auto map = field ? reader.map(*field, {"enabled", "host", "path_prefix", "session_idle",
                                               "session_max", "secure_cookie"})
                         : std::nullopt;
  if (!map) return self_service;
  if (const auto f = map->get("enabled")) assign(self_service.enabled, reader.boolean(*f));
  if (const auto f = map->get("secure_cookie"))
    assign(self_service.secure_cookie, reader.boolean(*f));
  if (const auto f = map->get("host")) {
    if (const auto text = reader.text(*f)) {
      std::string why;
      self_service.host = normalize_match_host(*text, shown(*f), why);
      if (!self_service.host) reader.report(*f, why);
    }
  }
  if (const auto f = map->get("path_prefix")) {
    if (const auto prefix = read_path_prefix(reader, *f)) {
      // The page answers ahead of the routes: "/" would hide every route behind it.
      if (*prefix == "/") {
        reader.report(*f, shown(*f) + " would hide every route; use a path such as /-/account/");
      } else if (prefix->back() != '/') {
        reader.report(*f, shown(*f) + " must end with '/' (the page's cookie path)");
      } else {
        self_service.path_prefix = *prefix;
      }
    }
  }
  const auto idle_field = map->get("session_idle");
  const auto max_field = map->get("session_max");
  const auto idle =
      idle_field ? reader.duration(*idle_field, kMinSession, kMaxSessionIdle) : std::nullopt;
  const auto max =
      max_field ? reader.duration(*max_field, kMinSession, kMaxSessionMax) : std::nullopt;
  assign(self_service.session_idle, idle);
  assign(self_service.session_max, max);
  const bool idle_ok = !idle_field || idle;
  const bool max_ok = !max_field || max;
  if (idle_ok && max_ok && self_service.session_idle > self_service.session_max) {
    const Field& at = max_field ? *max_field : *idle_field;
    reader.report(at, "session_idle must not be longer than session_max");
  }
  return self_service;
}

}  // namespace latchkey::config::detail

#include <algorithm>
#include <cctype>

#include "config/sections.hpp"
#include "config/values.hpp"
#include "text/ascii.hpp"

namespace latchkey::config::detail {
namespace {

constexpr std::size_t kMaxRouteName = 64;  // names appear in metrics labels and log lines

bool is_valid_route_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxRouteName &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) != 0 || c == '_' || c == '.' || c == '-';
         });
}

std::optional<std::string> read_name(Reader& reader, const Field& field) {
  auto name = reader.text(field);
  if (!name) return std::nullopt;
  if (!is_valid_route_name(*name)) {
    reader.report(field, shown(field) + " must be 1 to 64 letters, digits, '_', '.' or '-'");
    return std::nullopt;
  }
  return name;
}

bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start < path.size()) {
    const auto end = std::min(path.find('/', start + 1), path.size());
    const auto segment = path.substr(start + 1, end - start - 1);
    if (segment == "." || segment == "..") return true;
    start = end;
  }
  return false;
}

// The proxy routes on a decoded, merged path (proxy/route_path.hpp) and refuses requests with
// dot-segments or '\', so a prefix in another form would not match what it seems to and its
// requests would fall to a broader, possibly less protected route.
bool is_canonical_path(std::string_view path) {
  const bool plain_characters = std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != '%' && c != ';' && c != '?' && c != '#' && c != '\\';
  });
  return plain_characters && path.find("//") == std::string_view::npos && !has_dot_segment(path);
}

}  // namespace

std::optional<std::string> read_path_prefix(Reader& reader, const Field& field) {
  auto prefix = reader.text(field);
  if (!prefix) return std::nullopt;
  if (prefix->empty() || prefix->front() != '/') {
    reader.report(field, shown(field) + " must start with '/'");
    return std::nullopt;
  }
  if (!is_canonical_path(*prefix)) {
    reader.report(field, shown(field) +
                             R"( must be a plain path: no "//", "%", ";", "?", "#", "\", )"
                             "dot-segments, spaces or control characters, as requests are matched "
                             "on their decoded, merged path");
    return std::nullopt;
  }
  return prefix;
}

namespace {

// Reads `match` into the route; false when it had a problem, so duplicates are not judged.
bool read_match(Reader& reader, const Field& field, Route& route) {
  const auto map = reader.map(field, {"host", "path_prefix", "ignore_case"});
  if (!map) return false;
  bool ok = true;
  if (const auto host = map->get("host")) {
    const auto text = reader.text(*host);
    std::string why;
    const auto normalized = text ? normalize_match_host(*text, shown(*host), why) : std::nullopt;
    if (text && !normalized) reader.report(*host, why);
    route.host = normalized;
    ok = ok && normalized.has_value();
  }
  if (const auto prefix = map->get("path_prefix")) {
    const auto text = read_path_prefix(reader, *prefix);
    if (text) route.path_prefix = *text;
    ok = ok && text.has_value();
  }
  if (const auto ignore_case = map->get("ignore_case")) {
    const auto flag = reader.boolean(*ignore_case);
    ok = ok && flag.has_value();
    route.path_ignore_case = flag.value_or(false);
  }
  if (route.path_ignore_case) route.path_prefix = text::ascii_lower(route.path_prefix);
  return ok;
}

// Where a route was first seen, keyed by what must be unique.
struct FirstUse {
  std::string key;
  std::string route_path;
};

const FirstUse* find_first(const std::vector<FirstUse>& uses, const std::string& key) {
  const auto it =
      std::find_if(uses.begin(), uses.end(), [&](const FirstUse& use) { return use.key == key; });
  return it == uses.end() ? nullptr : &*it;
}

}  // namespace

std::vector<Route> read_routes(Reader& reader, const MapView& root, const std::string& base_dir) {
  std::vector<Route> routes;
  const auto field = root.get("routes");
  const auto items = field ? reader.list(*field) : std::nullopt;
  if (!field || (items && items->empty())) {
    reader.report_at("routes", field ? line_of(*field) : line_of(root.field().node),
                     "at least one route is required");
  }
  if (!items) return routes;

  std::vector<FirstUse> names;
  std::vector<FirstUse> matches;
  for (const auto& item : *items) {
    const auto map = reader.map(item, {"name", "match", "upstream", "auth", "forward", "limits"});
    if (!map) continue;
    Route route;
    if (const auto name_field = map->require("name")) {
      if (auto name = read_name(reader, *name_field)) {
        if (const auto* first = find_first(names, *name)) {
          reader.report(*name_field,
                        shown(*name_field) + " is already the name of " + first->route_path);
        } else {
          names.push_back({*name, item.path});
        }
        route.name = std::move(*name);
      }
    }

    const auto match = map->get("match");
    if (!match || read_match(reader, *match, route)) {
      // Two routes with the same host and prefix would make the second unreachable.
      const auto key = route.host.value_or("*") + " " + route.path_prefix;
      if (const auto* first = find_first(matches, key)) {
        reader.report(match ? *match : item,
                      "has the same host and path_prefix as " + first->route_path);
      } else {
        matches.push_back({key, item.path});
      }
    }

    if (const auto upstream = map->require("upstream")) {
      route.upstream = read_upstream(reader, *upstream, base_dir);
    }
    if (const auto auth = map->get("auth")) route.auth = read_route_auth(reader, *auth);
    if (const auto forward = map->get("forward")) read_forward(reader, *forward, route, base_dir);
    if (const auto limits = map->get("limits")) route.limits = read_route_limits(reader, *limits);
    routes.push_back(std::move(route));
  }
  return routes;
}

}  // namespace latchkey::config::detail

#include "proxy/header_rewrite.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "proxy/cookie_filter.hpp"
#include "text/ascii.hpp"

namespace latchkey::proxy {
namespace http = boost::beast::http;

namespace {

// Header names compare case-insensitively, with '_' equal to '-' (CGI maps both to HTTP_X_...).
char key_char(char c) { return c == '_' ? '-' : text::ascii_lower(c); }

std::string header_key(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = key_char(c);
  return key;
}

bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return key_char(x) == key_char(y);
         });
}

// `name` compared case-insensitively with an already lower-case `lower_name`; '_' stays '_'.
bool same_lower_name(std::string_view name, std::string_view lower_name) {
  return name.size() == lower_name.size() &&
         std::equal(name.begin(), name.end(), lower_name.begin(),
                    [](char x, char y) { return text::ascii_lower(x) == y; });
}

// RFC 9110 §7.6.1: the classic hop-by-hop set, never forwarded in either direction.
constexpr std::array<std::string_view, 9> kHopByHop{
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
    "te",         "trailer",    "upgrade",
    "http2-settings"};  // RFC 7540 §3.2.1: belongs to an h2c upgrade, never honoured

// The client cannot speak for what latchkey alone knows: the client's address, scheme, host,
// port and path prefix as frameworks read them from a trusted proxy (Rack reads
// X-Forwarded-Ssl, Spring and Werkzeug X-Forwarded-Prefix, IIS Front-End-Https), and the
// original URL that IIS, Symfony and nginx setups route on, past latchkey's routing.
constexpr std::array<std::string_view, 19> kSpoofable{
    "x-forwarded-for",    "x-forwarded-proto", "x-forwarded-host",   "x-forwarded-port",
    "x-forwarded-prefix", "x-forwarded-ssl",   "x-forwarded-scheme", "x-forwarded-server",
    "x-forwarded-uri",    "forwarded",         "front-end-https",    "x-url-scheme",
    "x-real-ip",          "x-client-ip",       "true-client-ip",     "x-cluster-client-ip",
    "x-original-url",     "x-original-uri",    "x-rewrite-url"};

// Connection options (RFC 9110 §7.6.1), as keys, ',' separated. Framing headers and Host are
// never removed on a client's say-so: dropping Content-Length would change how the upstream
// frames the body.
template <bool isRequest>
std::string connection_options(const http::header<isRequest>& header) {
  std::string options;
  for (auto it = header.find(http::field::connection);
       it != header.end() && it->name() == http::field::connection; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view token = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
        token.remove_prefix(1);
      }
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      if (token.empty() || same_key(token, "content-length") ||
          same_key(token, "transfer-encoding") || same_key(token, "host")) {
        continue;
      }
      for (char c : token) options.push_back(key_char(c));
      options.push_back(',');
    }
  }
  return options;
}

// Matched by exact lower-case name: '_' variants of hop-by-hop names are ordinary fields.
bool listed(std::string_view name, std::string_view options) {
  while (!options.empty()) {
    const auto comma = options.find(',');
    if (same_lower_name(name, options.substr(0, comma))) return true;
    options.remove_prefix(comma + 1);
  }
  return false;
}

template <bool isRequest>
void remove_hop_by_hop(http::header<isRequest>& header) {
  // Copied out first: the Connection fields it comes from are erased below.
  const std::string options = connection_options(header);
  for (auto it = header.begin(); it != header.end();) {
    const std::string_view name = it->name_string();
    const bool hop = std::any_of(kHopByHop.begin(), kHopByHop.end(),
                                 [&](std::string_view h) { return same_lower_name(name, h); });
    if (hop || listed(name, options)) {
      it = header.erase(it);
    } else {
      ++it;
    }
  }
}

// Any copy a client sent of a header only latchkey may set, whatever its case or '_'/'-'.
bool spoofable(std::string_view name, const config::Route& route, const ForwardContext& context) {
  auto same = [name](std::string_view key) { return same_key(name, key); };
  if (std::any_of(kSpoofable.begin(), kSpoofable.end(), same)) return true;
  if (context.identity_header_names != nullptr &&
      std::any_of(context.identity_header_names->begin(), context.identity_header_names->end(),
                  same)) {
    return true;
  }
  const auto& own = route.identity_headers;
  return (!own.user.empty() && same(own.user)) || (!own.email.empty() && same(own.email)) ||
         (route.assertion && same(route.assertion->header));
}

// RFC 9110 §7.6.3: our hop joins every earlier one, as one list, in either direction.
template <bool isRequest>
void append_via(http::header<isRequest>& header) {
  const std::string_view ours = header.version() == 10 ? "1.0 latchkey" : "1.1 latchkey";
  auto it = header.find(http::field::via);
  if (it == header.end()) {
    header.set(http::field::via, ours);
    return;
  }
  std::string via;
  for (; it != header.end() && it->name() == http::field::via; ++it) {
    via.append(it->value()).append(", ");
  }
  via.append(ours);
  header.set(http::field::via, via);
}

// Cookie fields without the pairs the route strips and latchkey's own (DESIGN.md §5.2): a
// stolen upstream session cookie would otherwise outrank the identity latchkey verified.
// Allocates only when a field changes; the fields left are put back in their order.
void strip_cookies(http::request_header<>& header, const config::Route& route) {
  const auto first = header.find(http::field::cookie);
  std::vector<std::string> kept;
  bool changed = false;
  for (auto it = first; it != header.end() && it->name() == http::field::cookie; ++it) {
    auto filtered = filter_cookie_field(it->value(), route.strip_cookies);
    if (filtered && !changed) {
      changed = true;
      for (auto earlier = first; earlier != it; ++earlier) kept.emplace_back(earlier->value());
    }
    if (!changed) continue;
    if (!filtered) {
      kept.emplace_back(it->value());
    } else if (!filtered->empty()) {
      kept.push_back(std::move(*filtered));
    }
  }
  if (!changed) return;
  header.erase(http::field::cookie);
  for (const auto& value : kept) header.insert(http::field::cookie, value);
}

std::string upstream_authority(const config::Upstream& upstream) {
  const bool default_port = (upstream.scheme == "http" && upstream.port == 80) ||
                            (upstream.scheme == "https" && upstream.port == 443);
  const bool ipv6 = upstream.host.find(':') != std::string::npos;
  std::string authority;
  authority.reserve(upstream.host.size() + 8);
  if (ipv6) authority.push_back('[');
  authority.append(upstream.host);
  if (ipv6) authority.push_back(']');
  if (!default_port) authority.append(":").append(std::to_string(upstream.port));
  return authority;
}

}  // namespace

std::vector<std::string> collect_identity_header_names(const std::vector<config::Route>& routes) {
  std::vector<std::string> names;
  for (const auto& route : routes) {
    for (const std::string* name : {&route.identity_headers.user, &route.identity_headers.email}) {
      if (name->empty()) continue;
      std::string key = header_key(*name);
      if (std::find(names.begin(), names.end(), key) == names.end()) names.push_back(key);
    }
    if (route.assertion) {
      std::string key = header_key(route.assertion->header);
      if (std::find(names.begin(), names.end(), key) == names.end()) names.push_back(key);
    }
  }
  return names;
}

void rewrite_upstream_request(http::request_header<>& header, const config::Route& route,
                              const auth::Identity* identity, const ForwardContext& context) {
  const std::string original_host{header[http::field::host]};
  remove_hop_by_hop(header);
  bool has_cookie = false;
  for (auto it = header.begin(); it != header.end();) {
    const std::string_view name = it->name_string();
    // Credentials stop here (DESIGN.md §5.2), on every route, also where auth is none.
    // latchkey answers 100-continue itself, after authentication.
    const bool drop = it->name() == http::field::authorization ||
                      it->name() == http::field::expect || spoofable(name, route, context);
    has_cookie = has_cookie || it->name() == http::field::cookie;
    it = drop ? header.erase(it) : std::next(it);
  }
  if (has_cookie) strip_cookies(header, route);

  if (identity != nullptr && route.auth.required) {
    if (!route.identity_headers.user.empty()) {
      header.set(route.identity_headers.user, identity->username);
    }
    if (!route.identity_headers.email.empty() && !identity->email.empty()) {
      header.set(route.identity_headers.email, identity->email);
    }
    if (route.assertion && context.assertions != nullptr) {
      if (auto token = context.assertions->sign(route, *identity)) {
        header.set(route.assertion->header, *token);
      }
    }
  }
  header.set("X-Forwarded-For", context.client_address);
  header.set("X-Forwarded-Proto", context.client_tls ? "https" : "http");
  if (!original_host.empty()) header.set("X-Forwarded-Host", original_host);
  append_via(header);
  header.set(http::field::host, upstream_authority(route.upstream));
  if (!route.upstream.base_path.empty()) {
    header.target(route.upstream.base_path + std::string(header.target()));
  }
  header.version(11);  // the upstream hop is always HTTP/1.1, kept alive by default
}

void rewrite_client_response(http::response_header<>& header) {
  remove_hop_by_hop(header);
  append_via(header);
}

}  // namespace latchkey::proxy

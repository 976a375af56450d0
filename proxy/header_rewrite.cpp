#include "proxy/header_rewrite.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace latchkey::proxy {
namespace http = boost::beast::http;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header names compare case-insensitively, with '_' equal to '-' (CGI maps both to HTTP_X_...).
std::string header_key(std::string_view name) {
  std::string key = lower(name);
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

template <class Fields>
void erase_matching(Fields& fields, const std::vector<std::string>& keys) {
  for (auto it = fields.begin(); it != fields.end();) {
    const std::string key = header_key(it->name_string());
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
      it = fields.erase(it);
    } else {
      ++it;
    }
  }
}

// RFC 9110 §7.6.1: Connection options plus the classic hop-by-hop set. Framing headers and
// Host are never removed on a client's say-so: dropping Content-Length would change how the
// upstream frames the body.
template <bool isRequest>
void remove_hop_by_hop(http::header<isRequest>& header) {
  std::vector<std::string> keys{"connection",         "keep-alive", "proxy-connection",
                                "proxy-authenticate", "proxy-authorization",
                                "te",                 "trailer",    "upgrade",
                                // RFC 7540 §3.2.1: belongs to an h2c upgrade, never honoured
                                "http2-settings"};
  for (auto it = header.find(http::field::connection);
       it != header.end() && it->name() == http::field::connection; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view token = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      const std::string key = header_key(token);
      if (key.empty() || key == "content-length" || key == "transfer-encoding" || key == "host") {
        continue;
      }
      keys.push_back(key);
    }
  }
  // Matched by exact lower-case name here: '_' variants of hop-by-hop names are ordinary fields.
  for (auto it = header.begin(); it != header.end();) {
    if (std::find(keys.begin(), keys.end(), lower(it->name_string())) != keys.end()) {
      it = header.erase(it);
    } else {
      ++it;
    }
  }
}

// RFC 9110 §7.6.3: our hop joins every earlier one, as one list, in either direction.
template <bool isRequest>
void append_via(http::header<isRequest>& header) {
  std::string via;
  for (auto it = header.find(http::field::via);
       it != header.end() && it->name() == http::field::via; ++it) {
    via.append(it->value()).append(", ");
  }
  via += std::string(header.version() == 10 ? "1.0" : "1.1") + " latchkey";
  header.set(http::field::via, via);
}

std::string upstream_authority(const config::Upstream& upstream) {
  const bool default_port = (upstream.scheme == "http" && upstream.port == 80) ||
                            (upstream.scheme == "https" && upstream.port == 443);
  std::string host = upstream.host.find(':') != std::string::npos ? "[" + upstream.host + "]"
                                                                   : upstream.host;
  return default_port ? host : host + ":" + std::to_string(upstream.port);
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
  // Credentials stop here (DESIGN.md §5.2), on every route, also where auth is none.
  header.erase(http::field::authorization);
  // latchkey answers 100-continue itself, after authentication.
  header.erase(http::field::expect);
  // The client cannot speak for what latchkey alone knows.
  // X-Original-URL / X-Rewrite-URL: IIS and Symfony route on them, past latchkey's routing.
  std::vector<std::string> spoofable{"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
                                     "forwarded",       "x-real-ip",         "x-original-url",
                                     "x-rewrite-url"};
  if (context.identity_header_names != nullptr) {
    spoofable.insert(spoofable.end(), context.identity_header_names->begin(),
                     context.identity_header_names->end());
  }
  for (const std::string* name : {&route.identity_headers.user, &route.identity_headers.email}) {
    if (!name->empty()) spoofable.push_back(header_key(*name));
  }
  if (route.assertion) spoofable.push_back(header_key(route.assertion->header));
  erase_matching(header, spoofable);

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

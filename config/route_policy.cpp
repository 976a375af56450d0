// A route's `auth` and `forward` sections: who may pass and what the upstream learns.
#include <algorithm>

#include "config/sections.hpp"
#include "config/values.hpp"
#include "text/ascii.hpp"

namespace latchkey::config::detail {
namespace {

std::optional<CredentialKind> credential_kind(std::string_view name) {
  if (name == "app_password") return CredentialKind::app_password;
  if (name == "token") return CredentialKind::token;
  return std::nullopt;
}

std::optional<AccountPasswordPolicy> account_password_policy(std::string_view name) {
  if (name == "deny_if_totp") return AccountPasswordPolicy::deny_if_totp;
  if (name == "deny") return AccountPasswordPolicy::deny;
  return std::nullopt;
}

std::vector<CredentialKind> read_accept(Reader& reader, const Field& field) {
  std::vector<CredentialKind> kinds;
  const auto items = reader.list(field);
  if (!items) return kinds;
  if (items->empty()) reader.report(field, "must list at least one of app_password, token");
  for (const auto& item : *items) {
    const auto name = reader.text(item);
    if (!name) continue;
    const auto kind = credential_kind(*name);
    if (!kind) {
      reader.report(item, shown(item) + " is not one of app_password, token");
    } else if (std::find(kinds.begin(), kinds.end(), *kind) != kinds.end()) {
      reader.report(item, shown(item) + " is listed twice");
    } else {
      kinds.push_back(*kind);
    }
  }
  return kinds;
}

// The realm is sent inside a quoted-string in WWW-Authenticate (RFC 7617 §2).
bool is_valid_realm(std::string_view realm) {
  return std::none_of(realm.begin(), realm.end(), [](unsigned char c) {
    return c == '"' || c == '\\' || c < 0x20 || c == 0x7f;
  });
}

}  // namespace

std::string read_identity_header(Reader& reader, const Field& field) {
  auto name = reader.text(field);
  if (!name) return {};
  if (name->empty()) {
    reader.report(field, "must not be empty; leave the key out to send no header");
  } else if (!is_http_token(*name)) {
    reader.report(field, shown(field) + " is not a valid header name");
  } else if (const auto conflict = identity_header_conflict(*name)) {
    reader.report(field, shown(field) + " " + std::string(*conflict));
  } else {
    return std::move(*name);
  }
  return {};
}

RouteAuth read_route_auth(Reader& reader, const Field& field) {
  RouteAuth auth;
  if (field.node.IsScalar()) {
    const auto word = reader.text(field);
    if (word && *word == "none") {
      auth.required = false;
    } else if (word) {
      reader.report(
          field,
          shown(field) + " must be none or a map with accept, account_password, realm, scopes");
    }
    return auth;
  }
  const auto map = reader.map(field, {"accept", "account_password", "realm", "scopes"});
  if (!map) return auth;
  if (const auto f = map->get("accept")) auth.accept = read_accept(reader, *f);
  if (const auto f = map->get("account_password")) {
    if (const auto word = reader.text(*f)) {
      if (const auto policy = account_password_policy(*word)) {
        auth.account_password = *policy;
      } else if (*word == "allow") {
        // Gone: it let an account with TOTP in with its password alone (DESIGN §5.1).
        reader.report(*f,
                      "allow is not offered: an account with TOTP would get in with its "
                      "password alone; use deny_if_totp (accounts without TOTP may use "
                      "their password) or deny");
      } else {
        reader.report(*f, shown(*f) + " is not one of deny_if_totp, deny");
      }
    }
  }
  if (const auto f = map->get("scopes")) auth.scopes = read_scope_list(reader, *f);
  if (const auto f = map->get("realm")) {
    if (auto realm = reader.text(*f)) {
      if (realm->empty()) {
        reader.report(*f, "must not be empty");
      } else if (!is_valid_realm(*realm)) {
        reader.report(*f, shown(*f) + " must not contain '\"', '\\' or control characters");
      } else {
        auth.realm = std::move(*realm);
      }
    }
  }
  return auth;
}

namespace {

// RFC 6265 §4.2.1: a cookie-name is an RFC 9110 token. The proxy matches names in any case
// (ASP.NET reads them so), so two spellings that differ only in case are one entry.
std::vector<std::string> read_strip_cookies(Reader& reader, const Field& field) {
  std::vector<std::string> names;
  std::vector<std::string> paths;
  const auto items = reader.list(field);
  if (!items) return names;
  if (items->empty()) {
    reader.report(field, "must list at least one cookie name; leave the key out for none");
  }
  for (const auto& item : *items) {
    auto name = reader.text(item);
    if (!name) continue;
    const auto same = std::find_if(names.begin(), names.end(), [&](const std::string& earlier) {
      return text::iequals(earlier, *name);
    });
    if (!is_http_token(*name)) {
      reader.report(
          item, shown(item) + " is not a cookie name: letters, digits and !#$%&'*+-.^_`|~ only");
    } else if (same != names.end() && *same == *name) {
      reader.report(item, shown(item) + " is listed twice");
    } else if (same != names.end()) {
      reader.report(item, shown(item) + " is the same cookie as " +
                              paths[static_cast<std::size_t>(same - names.begin())] +
                              ": names are matched in any case");
    } else {
      names.push_back(std::move(*name));
      paths.push_back(item.path);
    }
  }
  return names;
}

}  // namespace

void read_forward(Reader& reader, const Field& field, Route& route, const std::string& base_dir) {
  IdentityHeaders& headers = route.identity_headers;
  const auto forward = reader.map(field, {"identity_headers", "assertion", "strip_cookies"});
  if (!forward) return;
  // Not about identity: a public route can carry a stolen upstream session cookie just as well.
  if (const auto f = forward->get("strip_cookies")) {
    route.strip_cookies = read_strip_cookies(reader, *f);
  }
  const auto identity = forward->get("identity_headers");
  const auto assertion = forward->get("assertion");
  if (!route.auth.required) {
    for (const auto& f : {identity, assertion}) {
      if (f) reader.report(*f, "a route with auth: none has no identity to forward");
    }
    return;
  }
  if (identity) {
    if (const auto map = reader.map(*identity, {"user", "email"})) {
      const auto user = map->get("user");
      const auto email = map->get("email");
      if (user) headers.user = read_identity_header(reader, *user);
      if (email) headers.email = read_identity_header(reader, *email);
      if (!headers.user.empty() && header_key(headers.user) == header_key(headers.email)) {
        reader.report(*email, shown(*email) + " is the same header as " + user->path);
        headers.email.clear();
      }
    }
  }
  if (assertion) route.assertion = read_assertion(reader, *assertion, route, base_dir);
}

}  // namespace latchkey::config::detail

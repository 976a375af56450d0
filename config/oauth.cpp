// The `oauth` section: the token, revocation and introspection endpoints, their lifetimes,
// the public client registry and the introspection credential.
#include <algorithm>

#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr Duration kMinTtl{1'000};
constexpr DurationLimit kAccessTtlLimit{Duration{24LL * 3'600'000}, "24h",
                                        "; access tokens are meant to be short-lived"};

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
bool is_scope_token(std::string_view text) {
  return !text.empty() && text.size() <= 100 && std::all_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
  });
}

// RFC 6749 §2.2: client_id is VSCHAR (%x20-7E); latchkey also refuses spaces and ':' so that
// it travels in HTTP Basic unchanged.
bool is_client_id(std::string_view text) {
  return !text.empty() && text.size() <= 200 && std::all_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7f && c != ':';
  });
}

// An endpoint path in the form requests are matched in (proxy/route_path.hpp).
bool is_plain_path(std::string_view path) {
  return path.size() > 1 && path.front() == '/' && path.back() != '/' &&
         path.find("//") == std::string_view::npos &&
         std::all_of(path.begin(), path.end(), [](unsigned char c) {
           return c > 0x20 && c < 0x7f && c != '%' && c != ';' && c != '?' && c != '#' &&
                  c != '\\' && c != '.';
         });
}

void read_path(Reader& reader, const MapView& map, std::string_view key, std::string& out) {
  const auto f = map.get(key);
  if (!f) return;
  auto path = reader.text(*f);
  if (!path) return;
  if (!is_plain_path(*path)) {
    reader.report(*f, shown(*f) +
                          " must be a plain absolute path like /oauth/token (no '.', '%', ';', "
                          "'//', trailing '/' or spaces)");
    return;
  }
  out = std::move(*path);
}

OAuthClient read_client(Reader& reader, const Field& field) {
  OAuthClient client;
  const auto map = reader.map(field, {"id", "scopes", "grant_types"});
  if (!map) return client;
  if (const auto f = map->require("id")) {
    if (auto id = reader.text(*f)) {
      if (is_client_id(*id)) {
        client.id = std::move(*id);
      } else {
        reader.report(*f,
                      shown(*f) + " must be 1 to 200 printable characters without spaces or ':'");
      }
    }
  }
  if (const auto f = map->get("scopes")) client.scopes = read_scope_list(reader, *f);
  if (const auto f = map->get("grant_types")) {
    client.password_grant = false;
    client.refresh_token_grant = false;
    if (const auto items = reader.list(*f)) {
      if (items->empty()) reader.report(*f, "must list at least one of password, refresh_token");
      for (const auto& item : *items) {
        const auto word = reader.text(item);
        if (!word) continue;
        if (*word == "password") {
          client.password_grant = true;
        } else if (*word == "refresh_token") {
          client.refresh_token_grant = true;
        } else {
          reader.report(item, shown(item) + " is not one of password, refresh_token");
        }
      }
    }
  }
  return client;
}

}  // namespace

std::vector<std::string> read_scope_list(Reader& reader, const Field& field) {
  std::vector<std::string> scopes;
  const auto items = reader.list(field);
  if (!items) return scopes;
  if (items->empty())
    reader.report(field, "must list at least one scope; leave the key out for none");
  for (const auto& item : *items) {
    auto scope = reader.text(item);
    if (!scope) continue;
    if (!is_scope_token(*scope)) {
      reader.report(item, shown(item) +
                              " is not a scope: 1 to 100 printable ASCII characters without "
                              "spaces, '\"' or '\\'");
    } else if (std::find(scopes.begin(), scopes.end(), *scope) != scopes.end()) {
      reader.report(item, shown(item) + " is listed twice");
    } else {
      scopes.push_back(std::move(*scope));
    }
  }
  std::sort(scopes.begin(), scopes.end());
  return scopes;
}

OAuth read_oauth(Reader& reader, const MapView& root, const std::string& base_dir) {
  OAuth oauth;
  const auto field = root.get("oauth");
  if (!field) return oauth;
  const auto map = reader.map(
      *field, {"enabled", "token_path", "revoke_path", "introspect_path", "access_token_ttl",
               "refresh_token_ttl", "allow_account_password", "clients", "introspection"});
  if (!map) return oauth;
  oauth.enabled = true;  // a section that is present means on, unless it says otherwise
  if (const auto f = map->get("enabled")) assign(oauth.enabled, reader.boolean(*f));
  read_path(reader, *map, "token_path", oauth.token_path);
  read_path(reader, *map, "revoke_path", oauth.revoke_path);
  read_path(reader, *map, "introspect_path", oauth.introspect_path);
  const std::vector<std::pair<std::string_view, const std::string*>> paths{
      {"token_path", &oauth.token_path},
      {"revoke_path", &oauth.revoke_path},
      {"introspect_path", &oauth.introspect_path}};
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (std::size_t j = i + 1; j < paths.size(); ++j) {
      if (*paths[i].second == *paths[j].second) {
        const auto f = map->get(paths[j].first);
        reader.report(f ? *f : map->field(), std::string(paths[j].first) + " is the same path as " +
                                                 std::string(paths[i].first));
      }
    }
  }
  if (const auto f = map->get("access_token_ttl")) {
    assign(oauth.access_token_ttl, reader.duration(*f, kMinTtl, kAccessTtlLimit));
  }
  if (const auto f = map->get("refresh_token_ttl")) {
    if (const auto text = reader.text(*f)) {
      if (const auto ttl = parse_lifetime(*text)) {
        oauth.refresh_token_ttl = *ttl;
      } else {
        reader.report(*f, shown(*f) +
                              " is not a lifetime: a whole number and s, m, h or d, "
                              "from 1s to 3650d, like 30d");
      }
    }
  }
  if (oauth.refresh_token_ttl < oauth.access_token_ttl) {
    const auto f = map->get("refresh_token_ttl");
    reader.report(f ? *f : map->field(), "refresh_token_ttl is shorter than access_token_ttl");
  }
  if (const auto f = map->get("allow_account_password")) {
    assign(oauth.allow_account_password, reader.boolean(*f));
  }
  if (const auto f = map->get("clients")) {
    if (const auto items = reader.list(*f)) {
      for (const auto& item : *items) {
        OAuthClient client = read_client(reader, item);
        if (client.id.empty()) continue;
        const bool duplicate = std::any_of(oauth.clients.begin(), oauth.clients.end(),
                                           [&](const OAuthClient& c) { return c.id == client.id; });
        if (duplicate) {
          reader.report(item, "client id \"" + client.id + "\" is listed twice");
        } else {
          oauth.clients.push_back(std::move(client));
        }
      }
    }
  }
  if (const auto f = map->get("introspection")) {
    if (const auto m = reader.map(*f, {"client_id", "client_secret", "client_secret_file"})) {
      IntrospectionClient client;
      if (const auto id = m->require("client_id")) {
        if (auto text = reader.text(*id)) {
          if (is_client_id(*text)) {
            client.client_id = std::move(*text);
          } else {
            reader.report(
                *id, shown(*id) + " must be 1 to 200 printable characters without spaces or ':'");
          }
        }
      }
      if (auto secret = read_secret_reference(reader, *m, "client_secret", base_dir)) {
        if (secret->size() < 16) {
          reader.report(*f, "the introspection client secret must be at least 16 bytes long");
        } else {
          client.client_secret = std::move(*secret);
        }
      }
      if (!client.client_id.empty() && !client.client_secret.empty()) {
        oauth.introspection = std::move(client);
      }
    }
  }
  return oauth;
}

}  // namespace latchkey::config::detail

#include <algorithm>

#include "config/sections.hpp"
#include "config/tls_material.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

std::optional<Endpoint> read_endpoint(Reader& reader, const Field& field) {
  const auto text = reader.text(field);
  if (!text) return std::nullopt;
  std::string why;
  auto endpoint = parse_endpoint(*text, shown(field), why);
  if (!endpoint) reader.report(field, why);
  return endpoint;
}

std::optional<std::string> read_path(Reader& reader, const Field& field,
                                     const std::string& base_dir) {
  auto text = reader.text(field);
  if (!text) return std::nullopt;
  if (text->empty()) {
    reader.report(field, "must not be empty");
    return std::nullopt;
  }
  return resolve_path(base_dir, *text);
}

std::optional<TlsFiles> read_tls(Reader& reader, const Field& field, const std::string& base_dir) {
  const auto map = reader.map(field, {"cert_file", "key_file"});
  if (!map) return std::nullopt;
  const auto cert = map->require("cert_file");
  const auto key = map->require("key_file");
  const auto cert_path = cert ? read_path(reader, *cert, base_dir) : std::nullopt;
  const auto key_path = key ? read_path(reader, *key, base_dir) : std::nullopt;
  // Checked now so that a broken file stops the start instead of every handshake.
  const auto cert_problem = cert_path ? certificate_chain_problem(*cert_path) : std::nullopt;
  if (cert_problem) reader.report(*cert, *cert_problem);
  if (key_path) {
    const std::string against = cert_path && !cert_problem ? *cert_path : std::string();
    if (const auto problem = private_key_problem(*key_path, against)) reader.report(*key, *problem);
  }
  if (!cert_path || !key_path) return std::nullopt;
  return TlsFiles{*cert_path, *key_path};
}

std::string endpoint_text(const Endpoint& endpoint) {
  return endpoint.host + "|" + std::to_string(endpoint.port);
}

}  // namespace

std::vector<Listener> read_listeners(Reader& reader, const MapView& root,
                                     const std::string& base_dir) {
  std::vector<Listener> listeners;
  const auto field = root.get("listen");
  const auto items = field ? reader.list(*field) : std::nullopt;
  if (!field || (items && items->empty())) {
    reader.report_at("listen", field ? line_of(*field) : line_of(root.field().node),
                     "at least one listener is required");
  }
  if (!items) return listeners;

  std::vector<std::pair<std::string, std::string>> seen;  // endpoint -> path of first use
  for (const auto& item : *items) {
    const auto map = reader.map(item, {"address", "tls"});
    if (!map) continue;
    Listener listener;
    const auto address_field = map->require("address");
    const auto address = address_field ? read_endpoint(reader, *address_field) : std::nullopt;
    if (address) {
      listener.address = *address;
      const auto key = endpoint_text(*address);
      const auto earlier = std::find_if(seen.begin(), seen.end(),
                                        [&](const auto& entry) { return entry.first == key; });
      if (earlier != seen.end()) {
        reader.report(*address_field, "duplicates " + earlier->second);
      } else {
        seen.emplace_back(key, address_field->path);
      }
    }
    if (const auto tls = map->get("tls")) {
      listener.tls = read_tls(reader, *tls, base_dir);
    }
    listeners.push_back(std::move(listener));
  }
  return listeners;
}

std::optional<Admin> read_admin(Reader& reader, const MapView& root,
                                const std::vector<Listener>& listeners) {
  const auto field = root.get("admin");
  if (!field) return std::nullopt;
  const auto map = reader.map(*field, {"address"});
  if (!map) return std::nullopt;
  const auto address_field = map->require("address");
  if (!address_field) return std::nullopt;
  const auto address = read_endpoint(reader, *address_field);
  if (!address) return std::nullopt;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    if (endpoint_text(listeners[i].address) == endpoint_text(*address)) {
      reader.report(*address_field, "duplicates " + index_path("listen", i) + ".address");
    }
  }
  return Admin{*address};
}

}  // namespace latchkey::config::detail

#include "config/sections.hpp"
#include "config/tls_material.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr Duration kPositive{1};

// A *_file key that only means something for https upstreams; its resolved path.
std::optional<std::string> read_tls_path(Reader& reader, const Field& field,
                                         const Upstream& upstream, const std::string& base_dir) {
  auto path = reader.text(field);
  if (!path) return std::nullopt;
  if (path->empty()) {
    reader.report(field, "must not be empty");
    return std::nullopt;
  }
  if (!upstream.scheme.empty() && upstream.scheme != "https") {
    reader.report(field, "is only allowed with an https:// upstream url");
    return std::nullopt;
  }
  return resolve_path(base_dir, *path);
}

// ca_file, client_cert_file/client_key_file and tls_insecure_skip_verify, files checked now.
void read_upstream_tls(Reader& reader, const MapView& map, Upstream& upstream,
                       const std::string& base_dir) {
  const auto ca_file = map.get("ca_file");
  if (ca_file) {
    upstream.ca_file = read_tls_path(reader, *ca_file, upstream, base_dir);
    if (upstream.ca_file) {
      if (const auto problem = ca_bundle_problem(*upstream.ca_file)) {
        reader.report(*ca_file, *problem);
      }
    }
  }
  if (const auto skip = map.get("tls_insecure_skip_verify")) {
    const auto value = reader.boolean(*skip);
    if (value && *value && !upstream.scheme.empty() && upstream.scheme != "https") {
      reader.report(*skip, "is only allowed with an https:// upstream url");
    } else if (value && *value && ca_file) {
      reader.report(*skip, "conflicts with " + ca_file->path +
                               "; a CA file is pointless when "
                               "certificates are not verified");
    } else if (value) {
      upstream.tls_insecure_skip_verify = *value;
    }
  }
  const auto cert = map.get("client_cert_file");
  const auto key = map.get("client_key_file");
  if (cert && !key) reader.report(*cert, "needs client_key_file as well");
  if (key && !cert) reader.report(*key, "needs client_cert_file as well");
  if (!cert || !key) return;
  upstream.client_cert_file = read_tls_path(reader, *cert, upstream, base_dir);
  upstream.client_key_file = read_tls_path(reader, *key, upstream, base_dir);
  const auto cert_problem = upstream.client_cert_file
                                ? certificate_chain_problem(*upstream.client_cert_file)
                                : std::nullopt;
  if (cert_problem) reader.report(*cert, *cert_problem);
  if (upstream.client_key_file) {
    const std::string against =
        upstream.client_cert_file && !cert_problem ? *upstream.client_cert_file : std::string();
    if (const auto problem = private_key_problem(*upstream.client_key_file, against)) {
      reader.report(*key, *problem);
    }
  }
}

}  // namespace

Upstream read_upstream(Reader& reader, const Field& field, const std::string& base_dir) {
  Upstream upstream;
  const auto map = reader.map(
      field, {"url", "ca_file", "tls_insecure_skip_verify", "client_cert_file", "client_key_file",
              "connect_timeout", "response_timeout", "idle_timeout", "max_idle_connections"});
  if (!map) return upstream;
  if (const auto url = map->require("url")) {
    if (const auto text = reader.text(*url)) {
      std::string why;
      if (auto parsed = parse_upstream_url(*text, shown(*url), why)) {
        upstream = std::move(*parsed);
      } else {
        reader.report(*url, why);
      }
    }
  }
  read_upstream_tls(reader, *map, upstream, base_dir);
  if (const auto f = map->get("connect_timeout")) {
    assign(upstream.connect_timeout, reader.duration(*f, kPositive));
  }
  if (const auto f = map->get("response_timeout")) {
    assign(upstream.response_timeout, reader.duration(*f, kPositive));
  }
  if (const auto f = map->get("idle_timeout")) {
    assign(upstream.idle_timeout, reader.duration(*f, kPositive));
  }
  // 0 disables pooling: every request opens a new upstream connection.
  if (const auto f = map->get("max_idle_connections")) {
    assign(upstream.max_idle_connections, reader.integer(*f, 0, 10'000));
  }
  return upstream;
}

}  // namespace latchkey::config::detail

#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr Duration kPositive{1};

}  // namespace

Upstream read_upstream(Reader& reader, const Field& field, const std::string& base_dir) {
  Upstream upstream;
  const auto map = reader.map(field, {"url", "ca_file", "connect_timeout", "response_timeout",
                                      "idle_timeout", "max_idle_connections"});
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
    // Refused until the TLS issue lands: the proxy has no TLS client and would send plaintext.
    if (upstream.scheme == "https") {
      reader.report(*url,
                    "https upstreams are not supported by this version of latchkey yet; "
                    "use http:// to a trusted local upstream");
    }
  }
  if (const auto ca_file = map->get("ca_file")) {
    if (auto path = reader.text(*ca_file)) {
      if (path->empty()) {
        reader.report(*ca_file, "must not be empty");
      } else if (!upstream.scheme.empty() && upstream.scheme != "https") {
        reader.report(*ca_file, "is only allowed with an https:// upstream url");
      } else {
        upstream.ca_file = resolve_path(base_dir, *path);
      }
    }
    // Refused until the TLS issue lands, like the https upstreams it belongs to.
    if (upstream.ca_file) {
      reader.report(*ca_file,
                    "CA files for https upstreams are not supported by this version of latchkey "
                    "yet");
    }
  }
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

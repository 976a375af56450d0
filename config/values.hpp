// Parsers and checks for single configuration values. Pure functions on text, no yaml-cpp.
// On rejection they return nullopt and set `why` to a message that presents the value as
// `shown`: the text as written in the file, quoted, so ${NAME} contents never reach a message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace latchkey::config::detail {

// "127.0.0.1:8080" or "[::1]:8080"; the host is stored in inet_ntop's canonical form.
std::optional<Endpoint> parse_endpoint(std::string_view text, std::string_view shown,
                                       std::string& why);

// Decimal port 1..65535, nothing else.
std::optional<std::uint16_t> parse_port(std::string_view text);

// Fills url, scheme, host, port and base_path of an Upstream; other fields keep defaults.
std::optional<Upstream> parse_upstream_url(std::string_view text, std::string_view shown,
                                           std::string& why);

// Route match host: lower-cased; IPv6 kept in brackets as it appears in a Host header.
std::optional<std::string> normalize_match_host(std::string_view text, std::string_view shown,
                                                std::string& why);

// RFC 1123 host name (underscores tolerated, as container service names use them) or IPv4.
bool is_host_name_or_ipv4(std::string_view host);
bool is_ipv4_literal(std::string_view text);
// Returns the canonical text of an IPv6 literal (no brackets), nullopt if it is not one.
std::optional<std::string> canonical_ipv6(std::string_view text);

// RFC 9110 §5.6.2 token.
bool is_http_token(std::string_view name);
// Lower-case with '_' as '-': the proxy and CGI-style upstreams treat both spellings alike.
std::string header_key(std::string_view name);
// Why a header cannot carry an identity (its meaning belongs to the proxy, the framing or the
// upstream's routing), as the end of a message; nullopt when it can.
std::optional<std::string_view> identity_header_conflict(std::string_view name);

// Digits and a known unit, whatever the value; parse_duration also caps it at 24h.
bool is_well_formed_duration(std::string_view text);
// Why `text` is not well-formed, as a message quoting it as `shown`.
std::string duration_problem(std::string_view text, std::string_view shown);

// Result of replacing every ${NAME}; missing lists names the lookup did not know.
struct Expansion {
  std::string text;
  std::vector<std::string> missing;
  bool malformed = false;
};
Expansion expand_env(std::string_view text, EnvLookup env);

// Double-quoted, control characters escaped, long values shortened, for messages.
std::string quote(std::string_view value);

// Removes trailing spaces, tabs, CR and LF (files written by editors end with a newline).
std::string_view trim_trailing_space(std::string_view text);
// Accepts 64 hex characters or exactly 32 raw bytes; nullopt otherwise.
std::optional<std::string> decode_totp_key(std::string_view material);

// Why a key file's contents cannot sign for `alg` (PEM Ed25519 / P-256 private key, or an HS256
// secret of at least 32 bytes), as the end of a message; nullopt when they can.
std::optional<std::string> assertion_key_problem(AssertionAlgorithm alg, std::string_view material);

// Relative paths are taken from `base_dir`, the directory of the config file.
std::string resolve_path(const std::string& base_dir, const std::string& path);
// Whole file contents, or nullopt with `error` set to an errno value (EFBIG beyond
// `max_bytes`: a path such as /dev/zero must be refused, not read until memory runs out).
inline constexpr std::size_t kMaxConfigFileBytes = 4 << 20;
inline constexpr std::size_t kMaxSecretFileBytes = 64 << 10;
std::optional<std::string> read_whole_file(const std::string& path, int& error,
                                           std::size_t max_bytes = kMaxConfigFileBytes);

}  // namespace latchkey::config::detail

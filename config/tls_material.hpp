// Checks of TLS files at load time, so that a wrong path, a non-PEM file or a key that does
// not belong to its certificate is refused with the key's name and line instead of failing
// at the first handshake. Private to config/. Messages never contain file contents.
#pragma once

#include <optional>
#include <string>

namespace latchkey::config::detail {

// Why the PEM certificate chain at `path` is unusable (unreadable, no certificate, garbage);
// nullopt when it holds at least one certificate and nothing else fails to parse.
std::optional<std::string> certificate_chain_problem(const std::string& path);

// Why the PEM private key at `path` is unusable, or does not match the first certificate of
// the chain at `cert_path` (checked only when `cert_path` is not empty).
std::optional<std::string> private_key_problem(const std::string& path,
                                               const std::string& cert_path);

// Why the PEM CA bundle at `path` cannot serve as trust anchors.
std::optional<std::string> ca_bundle_problem(const std::string& path);

}  // namespace latchkey::config::detail

// A route's `forward.assertion`: the signed identity assertion sent upstream. No message in
// this file may contain key material.
#include <algorithm>
#include <cstring>

#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

constexpr Duration kMinTtl{1'000};  // exp has one-second resolution (RFC 7519 NumericDate)
constexpr DurationLimit kMaxTtl{
    Duration{60 * 60 * 1000}, "1h",
    "; an assertion is a bearer credential for the upstream, so it should expire soon"};
constexpr std::size_t kMaxClaimText = 256;

std::optional<AssertionAlgorithm> algorithm(std::string_view name) {
  if (name == "EdDSA") return AssertionAlgorithm::eddsa;
  if (name == "ES256") return AssertionAlgorithm::es256;
  if (name == "HS256") return AssertionAlgorithm::hs256;
  return std::nullopt;
}

// iss and aud: printable text an upstream compares byte for byte.
std::optional<std::string> read_claim_text(Reader& reader, const Field& field) {
  auto text = reader.text(field);
  if (!text) return std::nullopt;
  const bool printable = std::none_of(text->begin(), text->end(),
                                      [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  if (text->empty() || text->size() > kMaxClaimText || !printable) {
    reader.report(field, shown(field) + " must be 1 to 256 characters without control characters");
    return std::nullopt;
  }
  return text;
}

// The header must not be one the route already fills with an identity.
void read_header(Reader& reader, const Field& field, const Route& route, Assertion& assertion) {
  const std::string name = read_identity_header(reader, field);
  if (name.empty()) return;
  const std::string key = header_key(name);
  for (const std::string* identity :
       {&route.identity_headers.user, &route.identity_headers.email}) {
    if (!identity->empty() && header_key(*identity) == key) {
      reader.report(field, shown(field) + " is already an identity header of this route");
      return;
    }
  }
  assertion.header = name;
}

void read_key(Reader& reader, const Field& field, const std::optional<AssertionAlgorithm>& alg,
              const std::string& base_dir, Assertion& assertion) {
  const auto path = reader.text(field);
  if (!path) return;
  if (path->empty()) {
    reader.report(field, "must not be empty");
    return;
  }
  assertion.key_file = resolve_path(base_dir, *path);
  int error = 0;
  auto contents = read_whole_file(assertion.key_file, error);
  if (!contents) {
    reader.report(field, "cannot read " + quote(assertion.key_file) + ": " + std::strerror(error));
    return;
  }
  if (!alg) return;  // its own problem is reported; the key cannot be judged without it
  // A secret file written by an editor ends with a newline that is not part of the secret.
  std::string material = *alg == AssertionAlgorithm::hs256
                             ? std::string(trim_trailing_space(*contents))
                             : std::move(*contents);
  if (const auto problem = assertion_key_problem(*alg, material)) {
    reader.report(field, quote(assertion.key_file) + " " + *problem);
    return;
  }
  assertion.key_material = std::move(material);
}

}  // namespace

Assertion read_assertion(Reader& reader, const Field& field, const Route& route,
                         const std::string& base_dir) {
  Assertion assertion;
  assertion.audience = route.name;
  const auto map = reader.map(field, {"header", "alg", "key_file", "ttl", "issuer", "audience"});
  if (!map) return assertion;
  if (const auto f = map->get("header")) read_header(reader, *f, route, assertion);
  std::optional<AssertionAlgorithm> alg;
  if (const auto f = map->require("alg")) {
    if (const auto word = reader.text(*f)) {
      alg = algorithm(*word);
      if (alg) {
        assertion.alg = *alg;
      } else {
        reader.report(*f, shown(*f) + " is not one of EdDSA, ES256, HS256");
      }
    }
  }
  if (const auto f = map->require("key_file")) read_key(reader, *f, alg, base_dir, assertion);
  if (const auto f = map->get("ttl")) {
    if (const auto ttl = reader.duration(*f, Duration{1}, kMaxTtl)) {
      if (*ttl < kMinTtl) {
        reader.report(*f, shown(*f) + " is shorter than the minimum of 1s");
      } else if (ttl->count() % kMinTtl.count() != 0) {
        reader.report(*f, shown(*f) + " must be whole seconds, as exp and iat are");
      } else {
        assertion.ttl = *ttl;
      }
    }
  }
  if (const auto f = map->get("issuer")) assign(assertion.issuer, read_claim_text(reader, *f));
  if (const auto f = map->get("audience")) assign(assertion.audience, read_claim_text(reader, *f));
  return assertion;
}

}  // namespace latchkey::config::detail

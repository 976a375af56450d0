// The JSON Web Key Set (RFC 7517 §5) of the identity assertion keys, served on the admin
// listener at /.well-known/jwks.json so upstreams can verify assertions. HS256 keys are
// secret and never appear.
#pragma once

#include <string>

#include "proxy/identity_assertion.hpp"

namespace latchkey::proxy {

// {"keys":[{"kty","crv","x"[,"y"],"kid","alg","use":"sig"}, ...]}
std::string render_jwks(const IdentityAssertions& assertions);

}  // namespace latchkey::proxy

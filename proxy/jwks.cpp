#include "proxy/jwks.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace latchkey::proxy {

std::string render_jwks(const IdentityAssertions& assertions) {
  boost::json::array keys;
  for (const auth::jws::SigningKey* key : assertions.public_keys()) {
    boost::json::object jwk;
    for (const auto& [name, value] : key->public_jwk()) jwk[name] = value;
    jwk["kid"] = key->kid();
    jwk["alg"] = auth::jws::algorithm_name(key->algorithm());
    jwk["use"] = "sig";
    keys.push_back(std::move(jwk));
  }
  boost::json::object set;
  set["keys"] = std::move(keys);
  return boost::json::serialize(set);
}

}  // namespace latchkey::proxy

// One counter for every configured limit a client or upstream ran into, so an operator can
// tell "our limits are too tight" from "someone is probing them".
#pragma once

#include <string>
#include <string_view>

#include "proxy/metrics.hpp"

namespace latchkey::proxy {

// `limit` is the config key's last part: "max_header_bytes", "header_timeout", ...
inline void count_limit_hit(Metrics& metrics, std::string_view limit) {
  metrics.increment("latchkey_limit_hits_total", "limit=\"" + std::string(limit) + "\"");
}

}  // namespace latchkey::proxy

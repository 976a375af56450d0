#include "proxy/body_limit.hpp"

namespace latchkey::proxy {

std::optional<std::string_view> apply_body_limit(const config::Route& route,
                                                 RequestParser& parser) {
  const auto& limit = route.limits.max_body_bytes;
  if (!limit) return std::nullopt;
  if (const auto length = parser.content_length(); length && *length > *limit) {
    return "body_too_large";
  }
  parser.body_limit(*limit);
  return std::nullopt;
}

}  // namespace latchkey::proxy

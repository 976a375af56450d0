// Text helpers for HTTP field values (RFC 9110 §5.6), shared by proxy/'s parsers.
#pragma once

#include <string_view>

namespace latchkey::proxy {

// `text` without optional whitespace (SP, HTAB) at either end (RFC 9110 §5.6.3).
inline std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace latchkey::proxy

#include "proxy/response_checks.hpp"

#include "proxy/message_framing.hpp"

namespace latchkey::proxy {
namespace http = boost::beast::http;

std::optional<std::string_view> response_head_problem(const ResponseHeader& header) {
  // RFC 9110 §15: three digits from 100 to 599; Beast accepts any three digits.
  const unsigned status = header.result_int();
  if (status < 100 || status > 599) return "bad_status_code";
  if (header.version() != 10 && header.version() != 11) return "bad_http_version";
  return message_framing_problem(header);
}

}  // namespace latchkey::proxy

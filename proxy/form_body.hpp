// application/x-www-form-urlencoded bodies (WHATWG URL §5.1, as RFC 6749 Appendix B uses
// them): '&'-separated name=value pairs, '+' as space, %XX decoded. OAuth rules on top:
// a parameter sent without a value counts as omitted (RFC 6749 §3.1) and one sent twice
// makes the request invalid (§3.1, §3.2).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace latchkey::proxy {

struct FormFields {
  std::map<std::string, std::string, std::less<>> values;
  std::optional<std::string> get(std::string_view name) const;
};

struct FormError {
  std::string description;  // for error_description: names the parameter, never its value
};

std::variant<FormFields, FormError> parse_form(std::string_view body);

// Whether a Content-Type names application/x-www-form-urlencoded (parameters and case ignored).
bool is_form_content_type(std::string_view content_type);

}  // namespace latchkey::proxy

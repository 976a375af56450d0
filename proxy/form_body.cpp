#include "proxy/form_body.hpp"

#include <algorithm>
#include <cctype>

namespace latchkey::proxy {
namespace {

constexpr std::size_t kMaxShownName = 40;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;  // strict: OAuth clients encode properly
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A parameter name for a message: printable ASCII only, bounded.
std::string shown_name(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, kMaxShownName)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f && c != '"' && c != '\\' ? c : '?');
  }
  return out;
}

}  // namespace

std::optional<std::string> FormFields::get(std::string_view name) const {
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::variant<FormFields, FormError> parse_form(std::string_view body) {
  FormFields fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t end = std::min(body.find('&', start), body.size());
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) {
      if (end == body.size()) break;
      continue;
    }
    const std::size_t equals = pair.find('=');
    const auto name = decode(pair.substr(0, equals));
    const auto value =
        decode(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
    if (!name || !value) return FormError{"the request body is not valid form encoding"};
    if (name->empty()) return FormError{"the request body has a parameter without a name"};
    if (fields.values.contains(*name)) {
      return FormError{"the parameter \"" + shown_name(*name) + "\" is given more than once"};
    }
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted. Recorded so
    // that a second copy with a value is still a duplicate.
    fields.values.emplace(*name, *value);
    if (end == body.size()) break;
  }
  // Omitted parameters drop out only now, after duplicates were seen.
  for (auto it = fields.values.begin(); it != fields.values.end();) {
    it = it->second.empty() ? fields.values.erase(it) : std::next(it);
  }
  return fields;
}

bool is_form_content_type(std::string_view content_type) {
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  std::string lowered;
  for (char c : media) {
    if (c == ' ' || c == '\t') continue;
    lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return lowered == "application/x-www-form-urlencoded";
}

}  // namespace latchkey::proxy

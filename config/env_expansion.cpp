#include <algorithm>
#include <cctype>

#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

bool is_variable_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
  return std::ranges::all_of(name,
                             [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

}  // namespace

Expansion expand_env(std::string_view text, EnvLookup env) {
  if (env == nullptr) env = &process_env;
  Expansion result;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("${", pos);
    if (open == std::string_view::npos) break;
    result.text.append(text.substr(pos, open - pos));
    const auto close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      result.malformed = true;
      return result;
    }
    const auto name = text.substr(open + 2, close - open - 2);
    if (!is_variable_name(name)) {
      result.malformed = true;
    } else if (auto value = env(std::string(name))) {
      result.text.append(*value);
    } else {
      result.missing.emplace_back(name);
    }
    pos = close + 1;
  }
  if (pos < text.size()) result.text.append(text.substr(pos));
  return result;
}

}  // namespace latchkey::config::detail

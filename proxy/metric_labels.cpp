#include "proxy/metric_labels.hpp"

#include <algorithm>

namespace latchkey::proxy {

namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Length of the label name at the start of `text`, 0 if there is none.
std::size_t name_length(std::string_view text) {
  if (text.empty() || !is_name_start(text.front())) return 0;
  std::size_t n = 1;
  while (n < text.size() && is_name_char(text[n])) ++n;
  return n;
}

// Whether `rest` (what follows a closing quote) ends the string or starts the next label.
bool ends_value(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest.front() != ',') return false;
  rest.remove_prefix(1);
  const std::size_t n = name_length(rest);
  return n > 0 && rest.substr(n, 2) == "=\"";
}

}  // namespace

bool is_metric_name(std::string_view name) {
  if (name.empty() || !(is_name_start(name.front()) || name.front() == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c) || c == ':'; });
}

std::optional<MetricLabels> parse_metric_labels(std::string_view text) {
  MetricLabels labels;
  while (!text.empty()) {
    const std::size_t n = name_length(text);
    if (n == 0 || text.substr(n, 2) != "=\"") return std::nullopt;
    std::string name(text.substr(0, n));
    if (name.starts_with("__")) return std::nullopt;
    text.remove_prefix(n + 2);
    std::size_t close = text.find('"');
    while (close != std::string_view::npos && !ends_value(text.substr(close + 1))) {
      close = text.find('"', close + 1);
    }
    if (close == std::string_view::npos) return std::nullopt;
    const bool repeated = std::any_of(labels.begin(), labels.end(),
                                      [&](const auto& label) { return label.first == name; });
    if (repeated) return std::nullopt;
    labels.emplace_back(std::move(name), std::string(text.substr(0, close)));
    text.remove_prefix(close + 1);
    if (!text.empty()) text.remove_prefix(1);  // the comma ends_value found
  }
  return labels;
}

}  // namespace latchkey::proxy

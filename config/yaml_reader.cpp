#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "nothing";
  }
}

std::string join_keys(std::initializer_list<std::string_view> keys) {
  std::string joined;
  for (auto key : keys) {
    if (!joined.empty()) joined += ", ";
    joined += key;
  }
  return joined;
}

}  // namespace

std::string key_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

int line_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

int line_of(const Field& field) {
  if (field.key_line > 0 && field.node.IsNull()) return field.key_line;
  return line_of(field.node);
}

std::optional<Field> MapView::get(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return Field{entry.value, key_path(field_.path, key), entry.key_line};
  }
  return std::nullopt;
}

std::optional<Field> MapView::require(std::string_view key) const {
  auto field = get(key);
  if (!field) reader_->report_at(key_path(field_.path, key), line_of(field_.node), "is required");
  return field;
}

Reader::Reader(std::string source_name, EnvLookup env)
    : source_name_(std::move(source_name)), env_(env != nullptr ? env : &process_env) {}

void Reader::report(const Field& at, std::string_view message) {
  report_at(at.path, line_of(at), message);
}

void Reader::report_at(const std::string& path, int line, std::string_view message) {
  std::string text = path.empty() ? source_name_ : path;
  text += ": ";
  text += message;
  if (line > 0) text += " (line " + std::to_string(line) + ")";
  problems_.push_back({line, std::move(text)});
}

std::vector<std::string> Reader::problems() const {
  auto sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::vector<std::string> lines;
  std::set<std::string> seen;
  for (auto& problem : sorted) {
    if (seen.insert(problem.text).second) lines.push_back(std::move(problem.text));
  }
  return lines;
}

std::optional<MapView> Reader::map(const Field& field,
                                   std::initializer_list<std::string_view> known_keys) {
  if (!field.node.IsMap()) {
    report(field, "expected a map, got " + kind_of(field.node));
    return std::nullopt;
  }
  std::vector<Entry> entries;
  for (auto it = field.node.begin(); it != field.node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      report(Field{key, field.path}, "keys must be plain names, got " + kind_of(key));
      continue;
    }
    const std::string& name = key.Scalar();
    const std::string path = key_path(field.path, name);
    if (std::find(known_keys.begin(), known_keys.end(), name) == known_keys.end()) {
      // Typos must never pass silently: a misspelt optional key would leave its default.
      report_at(path, line_of(key), "unknown key; expected one of " + join_keys(known_keys));
      continue;
    }
    const auto earlier = std::find_if(entries.begin(), entries.end(),
                                      [&](const Entry& entry) { return entry.key == name; });
    if (earlier != entries.end()) {
      report_at(path, line_of(key),
                "is given twice, first on line " + std::to_string(earlier->key_line));
      continue;
    }
    entries.push_back(Entry{name, it->second, line_of(key)});
  }
  return MapView(*this, field, std::move(entries));
}

std::optional<std::vector<Field>> Reader::list(const Field& field) {
  if (!field.node.IsSequence()) {
    report(field, "expected a list, got " + kind_of(field.node));
    return std::nullopt;
  }
  std::vector<Field> items;
  for (const auto& item : field.node) {
    items.push_back(Field{item, index_path(field.path, items.size())});
  }
  return items;
}

bool Reader::expect_scalar(const Field& field) {
  if (field.node.IsScalar()) return true;
  report(field, field.node.IsNull() ? std::string("has no value")
                                    : "expected a single value, got " + kind_of(field.node));
  return false;
}

std::optional<std::string> Reader::text(const Field& field) {
  if (!expect_scalar(field)) return std::nullopt;
  auto expansion = expand_env(field.node.Scalar(), env_);
  for (const auto& name : expansion.missing) {
    report(field, "environment variable " + name + " is not set");
  }
  if (expansion.malformed) {
    report(field, "has a malformed ${...} reference; write ${NAME} with letters, digits and '_'");
  }
  if (!expansion.missing.empty() || expansion.malformed) return std::nullopt;
  return std::move(expansion.text);
}

std::string shown(const Field& field) {
  return quote(field.node.Scalar());
}

std::optional<long long> Reader::integer(const Field& field, long long min, long long max,
                                         std::string_view reason) {
  const auto value = text(field);
  if (!value) return std::nullopt;
  long long number = 0;
  const char* end = value->data() + value->size();
  const auto [stop, error] = std::from_chars(value->data(), end, number);
  if (value->empty() || error != std::errc() || stop != end) {
    report(field, shown(field) + " is not a whole number");
    return std::nullopt;
  }
  if (number < min || number > max) {
    report(field, std::to_string(number) + " is out of range " + std::to_string(min) + ".." +
                      std::to_string(max) + std::string(reason));
    return std::nullopt;
  }
  return number;
}

std::optional<double> Reader::positive_number(const Field& field, long long max) {
  const auto value = text(field);
  if (!value) return std::nullopt;
  double number = 0;
  const char* end = value->data() + value->size();
  const auto [stop, error] = std::from_chars(value->data(), end, number);
  // from_chars also reads "inf" and "nan", which no limit can mean.
  if (value->empty() || error != std::errc() || stop != end || !std::isfinite(number)) {
    report(field, shown(field) + " is not a number");
    return std::nullopt;
  }
  if (!(number > 0)) {
    report(field, shown(field) + " must be greater than 0");
    return std::nullopt;
  }
  if (number > static_cast<double>(max)) {
    report(field, shown(field) + " is more than the maximum of " + std::to_string(max));
    return std::nullopt;
  }
  return number;
}

std::optional<bool> Reader::boolean(const Field& field) {
  const auto value = text(field);
  if (!value) return std::nullopt;
  // YAML 1.2 core schema only: "yes"/"on" are YAML 1.1 surprises.
  if (*value == "true" || *value == "True" || *value == "TRUE") return true;
  if (*value == "false" || *value == "False" || *value == "FALSE") return false;
  report(field, shown(field) + " is not true or false");
  return std::nullopt;
}

std::optional<Duration> Reader::duration(const Field& field, Duration min,
                                         const DurationLimit& limit) {
  const auto value = text(field);
  if (!value) return std::nullopt;
  if (!is_well_formed_duration(*value)) {
    report(field, duration_problem(*value, shown(field)));
    return std::nullopt;
  }
  // Well-formed, so parse_duration fails only above its own 24h cap.
  const auto duration = parse_duration(*value);
  if (!duration || *duration > limit.max) {
    report(field, shown(field) + " is longer than the maximum of " + std::string(limit.text) +
                      std::string(limit.reason));
    return std::nullopt;
  }
  if (*duration < min) {
    report(field, shown(field) + " must be greater than 0");
    return std::nullopt;
  }
  return duration;
}

}  // namespace latchkey::config::detail

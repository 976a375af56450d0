// Walks a yaml-cpp tree with key paths, collecting every problem instead of stopping at the
// first one. Private to config/: nothing outside this folder may include yaml-cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace latchkey::config::detail {

// A YAML node and the key path that leads to it ("routes[1].upstream.url").
struct Field {
  YAML::Node node;
  std::string path;
  int key_line = 0;  // yaml-cpp places an empty value after its key, so messages use this
};

std::string key_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);
// 1-based line of a node, 0 when yaml-cpp has no position for it.
int line_of(const YAML::Node& node);
// The line to name for a field: its key's line when the value is empty.
int line_of(const Field& field);
// A scalar as written in the file, quoted, for messages: ${NAME} stays unexpanded because
// environment values are often secrets.
std::string shown(const Field& field);

class Reader;

// Upper bound of a duration setting, with the reason a message gives for it.
struct DurationLimit {
  Duration max;
  std::string_view text;    // the maximum as the message shows it, like "24h"
  std::string_view reason;  // appended to "is longer than the maximum of ..."; may be empty
};
// parse_duration's own cap, for settings without a tighter one.
inline constexpr DurationLimit kDurationLimit{Duration{24LL * 60 * 60 * 1000}, "24h", ""};

struct Entry {
  std::string key;
  YAML::Node value;
  int key_line;
};

// The entries of a YAML map, already checked for unknown and duplicate keys.
class MapView {
 public:
  MapView(Reader& reader, Field field, std::vector<Entry> entries)
      : reader_(&reader), field_(std::move(field)), entries_(std::move(entries)) {}

  std::optional<Field> get(std::string_view key) const;
  // Like get(), and reports "is required" on the map's line when the key is absent.
  std::optional<Field> require(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  const Field& field() const { return field_; }

 private:
  Reader* reader_;
  Field field_;
  std::vector<Entry> entries_;
};

class Reader {
 public:
  Reader(std::string source_name, EnvLookup env);

  void report(const Field& at, std::string_view message);
  void report_at(const std::string& path, int line, std::string_view message);

  // nullopt (after reporting) when the node is not a map.
  std::optional<MapView> map(const Field& field,
                             std::initializer_list<std::string_view> known_keys);
  std::optional<std::vector<Field>> list(const Field& field);
  // A scalar with every ${NAME} expanded. Messages never quote the value.
  std::optional<std::string> text(const Field& field);
  // `reason` is appended to the out-of-range message; it may be empty.
  std::optional<long long> integer(const Field& field, long long min, long long max,
                                   std::string_view reason = "");
  // A finite decimal number greater than 0 and at most `max` ("6", "0.5", "1e3").
  std::optional<double> positive_number(const Field& field, long long max);
  std::optional<bool> boolean(const Field& field);
  std::optional<Duration> duration(const Field& field, Duration min,
                                   const DurationLimit& limit = kDurationLimit);

  bool ok() const { return problems_.empty(); }
  // One line per problem, in file order, without repeats.
  std::vector<std::string> problems() const;

 private:
  struct Problem {
    int line;
    std::string text;
  };
  bool expect_scalar(const Field& field);

  std::string source_name_;
  EnvLookup env_;
  std::vector<Problem> problems_;
};

template <typename T, typename U>
void assign(T& out, const std::optional<U>& value) {
  if (value) out = static_cast<T>(*value);
}

}  // namespace latchkey::config::detail

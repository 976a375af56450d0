// What the admin actions print: a JSON value on a line of its own for --json, listings as a
// JSON array or an aligned table, a new secret shown once, and the cells of optional fields.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/cli_arguments.hpp"
#include "auth/scopes.hpp"
#include "db/timestamp.hpp"

namespace latchkey::app {

void print_json(std::ostream& out, const boost::json::value& value);

// Every item as `to_json(item)` in one JSON array with --json, else as `to_row(item)` under
// `header` in a table.
template <typename Item, typename ToJson, typename ToRow>
void print_listing(std::ostream& out, bool json, const std::vector<Item>& items,
                   std::vector<std::string> header, ToJson to_json, ToRow to_row) {
  if (json) {
    boost::json::array array;
    for (const Item& item : items) array.push_back(to_json(item));
    print_json(out, array);
    return;
  }
  std::vector<std::vector<std::string>> rows{std::move(header)};
  for (const Item& item : items) rows.push_back(to_row(item));
  write_table(out, rows);
}

// `kind "name" for username (shown only once):` and the secret on the next line.
void print_secret_once(std::ostream& out, std::string_view kind, std::string_view name,
                       std::string_view username, std::string_view secret);

// `revoked kind "name" of username`.
void print_revoked(std::ostream& out, std::string_view kind, std::string_view name,
                   std::string_view username);

// JSON of optional fields: null when absent; scopes null for every scope.
boost::json::value json_time(const std::optional<db::Timestamp>& time);
boost::json::value json_text(const std::optional<std::string>& text);
boost::json::value json_scopes(const auth::Scopes& scopes);

// Table cells of optional fields.
std::string time_or(const std::optional<db::Timestamp>& time, std::string_view absent);
std::string text_or_dash(const std::optional<std::string>& text);  // empty shows as "-" too

}  // namespace latchkey::app

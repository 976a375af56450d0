#include "app/command_output.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace latchkey::app {

void print_json(std::ostream& out, const boost::json::value& value) {
  out << boost::json::serialize(value) << "\n";
}

void print_secret_once(std::ostream& out, std::string_view kind, std::string_view name,
                       std::string_view username, std::string_view secret) {
  out << kind << " \"" << name << "\" for " << username << " (shown only once):\n"
      << secret << "\n";
}

void print_revoked(std::ostream& out, std::string_view kind, std::string_view name,
                   std::string_view username) {
  out << "revoked " << kind << " \"" << name << "\" of " << username << "\n";
}

boost::json::value json_time(const std::optional<db::Timestamp>& time) {
  if (!time) return nullptr;
  return boost::json::string(db::to_iso8601(*time));
}

boost::json::value json_text(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return boost::json::string(*text);
}

boost::json::value json_scopes(const auth::Scopes& scopes) {
  if (!scopes) return nullptr;
  boost::json::array array;
  for (const auto& scope : *scopes) array.emplace_back(scope);
  return array;
}

std::string time_or(const std::optional<db::Timestamp>& time, std::string_view absent) {
  return time ? db::to_iso8601(*time) : std::string(absent);
}

std::string text_or_dash(const std::optional<std::string>& text) {
  return text && !text->empty() ? *text : "-";
}

}  // namespace latchkey::app

// Nullable columns of the repositories' result rows, read as optionals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/timestamp.hpp"

namespace pqxx {
class field;
}

namespace latchkey::db {

// A bigint of microseconds since the epoch (the statements select timestamps so).
std::optional<Timestamp> optional_time(const pqxx::field& field);
std::optional<std::string> optional_text(const pqxx::field& field);
std::optional<std::int64_t> optional_id(const pqxx::field& field);

}  // namespace latchkey::db

// Points in time as the database layer hands them out.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace latchkey::db {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

Timestamp from_unix_micros(std::int64_t micros);
std::int64_t unix_micros(std::chrono::system_clock::time_point t);

// "2024-05-01T12:34:56Z": ISO 8601, UTC, whole seconds.
std::string to_iso8601(Timestamp t);

}  // namespace latchkey::db

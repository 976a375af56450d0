// Errors of the admin repository. Messages name the user or the application password name,
// never a secret, and are fit to show on one line of a terminal.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace latchkey::db {

// A user or credential name as the messages show it: in double quotes.
inline std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// The user, or the live application password, does not exist.
class NotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The change contradicts the current state: a duplicate username or live name, a TOTP code
// already used, an enrolment replaced in the meantime.
class Conflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A value the schema refuses (too long, control characters); nothing was written.
class InvalidValue : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace latchkey::db

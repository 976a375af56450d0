// Checks of what a user types on the page, with the message the page shows. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace latchkey::web {

inline constexpr std::size_t kMaxAppPasswordNameChars = 100;
inline constexpr std::size_t kMinAccountPasswordChars = 8;     // NIST SP 800-63B §5.1.1.2
inline constexpr std::size_t kMaxAccountPasswordBytes = 1024;  // as the CLI's limit

// Why `name` cannot name an application password, or nullopt: 1 to 100 characters of UTF-8,
// not only spaces, no control characters.
std::optional<std::string> app_password_name_problem(std::string_view name);

// Why `password` cannot be a new account password, or nullopt. Basic credentials carry UTF-8
// without control characters (RFC 7617 §2), so any other password could never be used.
std::optional<std::string> new_password_problem(std::string_view password);

}  // namespace latchkey::web

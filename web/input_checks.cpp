#include "web/input_checks.hpp"

#include <algorithm>

#include "db/text.hpp"

namespace latchkey::web {
namespace {

std::size_t characters(std::string_view utf8) {
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // count lead bytes only
  }));
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

std::optional<std::string> app_password_name_problem(std::string_view name) {
  if (name.find_first_not_of(' ') == std::string_view::npos) {
    return "Enter a name that says which app or device the password is for.";
  }
  if (!db::is_valid_utf8(name)) return "The name is not valid text (UTF-8).";
  if (characters(name) > kMaxAppPasswordNameChars) {
    return "The name is longer than " + std::to_string(kMaxAppPasswordNameChars) + " characters.";
  }
  if (has_control(name)) return "The name contains a control character.";
  return std::nullopt;
}

std::optional<std::string> new_password_problem(std::string_view password) {
  if (!db::is_valid_utf8(password)) return "The new password is not valid text (UTF-8).";
  if (characters(password) < kMinAccountPasswordChars) {
    return "The new password needs at least " + std::to_string(kMinAccountPasswordChars) +
           " characters.";
  }
  if (password.size() > kMaxAccountPasswordBytes) {
    return "The new password is longer than " + std::to_string(kMaxAccountPasswordBytes) +
           " bytes.";
  }
  if (has_control(password)) return "The new password contains a control character.";
  return std::nullopt;
}

}  // namespace latchkey::web

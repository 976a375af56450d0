#include "auth/scopes.hpp"

#include <algorithm>

namespace latchkey::auth {

namespace {
constexpr std::size_t kMaxScopeBytes = 100;
constexpr std::size_t kMaxScopes = 64;
}  // namespace

bool is_scope_token(std::string_view text) {
  if (text.empty() || text.size() > kMaxScopeBytes) return false;
  return std::all_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
  });
}

std::optional<std::vector<std::string>> parse_scope_list(std::string_view text) {
  std::vector<std::string> scopes;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t end = std::min(text.find(' ', i), text.size());
    const std::string_view token = text.substr(i, end - i);
    if (!is_scope_token(token)) return std::nullopt;
    scopes.emplace_back(token);
    if (scopes.size() > kMaxScopes) return std::nullopt;
    i = end;
  }
  if (scopes.empty()) return std::nullopt;
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  return scopes;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& s : scopes) {
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

bool scopes_cover(const Scopes& granted, const std::vector<std::string>& required) {
  if (!granted) return true;
  return std::all_of(required.begin(), required.end(), [&](const std::string& s) {
    return std::find(granted->begin(), granted->end(), s) != granted->end();
  });
}

Scopes narrow_scopes(const Scopes& parent, const Scopes& requested, bool& ok) {
  ok = true;
  if (!requested) return parent;  // RFC 6749 §3.3: omitted means the default, all it may have
  if (!scopes_cover(parent, *requested)) {
    ok = false;
    return std::nullopt;
  }
  return requested;
}

}  // namespace latchkey::auth

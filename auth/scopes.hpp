// OAuth scopes (RFC 6749 §3.3): space-separated scope tokens. A credential carries the scopes
// it was created with; nullopt means every scope (credentials made without --scope).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::auth {

using Scopes = std::optional<std::vector<std::string>>;  // nullopt: all scopes

// scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), at most 100 bytes.
bool is_scope_token(std::string_view text);

// "a b  c" -> {a, b, c}, sorted, duplicates dropped; nullopt when a token is malformed or
// the list is empty. Separators are single or repeated spaces (RFC 6749 §3.3 says one; a
// lenient reader loses nothing).
std::optional<std::vector<std::string>> parse_scope_list(std::string_view text);

// Space-joined, for the `scope` response parameter and WWW-Authenticate.
std::string join_scopes(const std::vector<std::string>& scopes);

// Whether `granted` includes every scope in `required`.
bool scopes_cover(const Scopes& granted, const std::vector<std::string>& required);

// What a new credential derived from `parent` may carry when `requested` is asked for:
// nullopt (with `ok` false) when `requested` asks for more than `parent` has.
Scopes narrow_scopes(const Scopes& parent, const Scopes& requested, bool& ok);

}  // namespace latchkey::auth

// Opening one libpqxx connection, with errors that never carry the password of the URL.
#pragma once

#include <memory>
#include <pqxx/connection>
#include <string>
#include <string_view>

namespace latchkey::db {

// Seconds libpq may spend connecting, unless the URL names its own connect_timeout: a
// down or black-holed server must fail a request (503), not hang a worker.
inline constexpr int kConnectTimeoutSeconds = 5;

// Connects and registers the prepared statements of db/statements.hpp. Throws
// auth::StoreUnavailable with a one-line message naming the redacted URL.
std::unique_ptr<pqxx::connection> open_connection(const std::string& url);

// The URL (URI or key=value form) with any password replaced by "***".
std::string redact_url(std::string_view url);

// `message` on one line, with every occurrence of the URL's password (raw or
// percent-decoded) replaced by "***".
std::string scrub_message(std::string_view message, std::string_view url);

}  // namespace latchkey::db

#include "db/connection.hpp"

#include <cctype>
#include <pqxx/except>
#include <utility>
#include <vector>

#include "auth/credential_store.hpp"
#include "db/statements.hpp"

namespace latchkey::db {
namespace {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

bool is_uri(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Where the password values sit in the URL: the userinfo of a URI, a `password=` query
// parameter, or a `password = value` pair of the key=value form (quoted or not).
std::vector<Span> password_spans(std::string_view url) {
  std::vector<Span> spans;
  if (is_uri(url)) {
    const std::size_t start = url.find("://") + 3;
    const std::size_t authority_end = std::min(url.find_first_of("/?", start), url.size());
    const std::string_view authority = url.substr(start, authority_end - start);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      if (const std::size_t colon = authority.find(':'); colon < at) {
        spans.push_back({start + colon + 1, start + at});
      }
    }
    for (std::size_t query = url.find('?', authority_end); query != std::string_view::npos;) {
      const std::size_t key = query + 1;
      const std::size_t next = url.find('&', key);
      const std::size_t pair_end = next == std::string_view::npos ? url.size() : next;
      if (url.substr(key, pair_end - key).starts_with("password=")) {
        spans.push_back({key + 9, pair_end});
      }
      query = next;
    }
    return spans;
  }
  for (std::size_t at = url.find("password"); at != std::string_view::npos;
       at = url.find("password", at + 1)) {
    if (at > 0 && !std::isspace(static_cast<unsigned char>(url[at - 1]))) continue;
    std::size_t i = at + 8;
    while (i < url.size() && std::isspace(static_cast<unsigned char>(url[i]))) ++i;
    if (i >= url.size() || url[i] != '=') continue;
    ++i;
    while (i < url.size() && std::isspace(static_cast<unsigned char>(url[i]))) ++i;
    std::size_t end = i;
    if (end < url.size() && url[end] == '\'') {
      for (++end; end < url.size() && url[end] != '\''; ++end) {
        if (url[end] == '\\') ++end;
      }
      end = std::min(end + 1, url.size());
    } else {
      while (end < url.size() && !std::isspace(static_cast<unsigned char>(url[end]))) ++end;
    }
    spans.push_back({i, end});
  }
  return spans;
}

// The forms in which a password of the URL may show up in a libpq message.
std::vector<std::string> password_values(std::string_view url) {
  std::vector<std::string> values;
  for (const Span& span : password_spans(url)) {
    std::string raw(url.substr(span.begin, span.end - span.begin));
    if (raw.empty()) continue;
    values.push_back(raw);
    if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'') {
      std::string unquoted;
      for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 2 < raw.size()) ++i;
        unquoted.push_back(raw[i]);
      }
      if (!unquoted.empty()) values.push_back(std::move(unquoted));
    }
    if (std::string decoded = percent_decode(raw); decoded != raw && !decoded.empty()) {
      values.push_back(std::move(decoded));
    }
  }
  return values;
}

std::string with_default(std::string url, std::string_view key, std::string_view value) {
  if (url.find(key) != std::string::npos) return url;
  if (is_uri(url)) {
    url += url.find('?') == std::string::npos ? '?' : '&';
  } else if (!url.empty()) {
    url += ' ';
  }
  url.append(key).append("=").append(value);
  return url;
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out(url);
  std::vector<Span> spans = password_spans(url);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    out.replace(it->begin, it->end - it->begin, "***");
  }
  return out;
}

std::string scrub_message(std::string_view message, std::string_view url) {
  std::string out;
  bool pending_space = false;
  for (char c : message) {
    if (c == '\n' || c == '\r' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space && c != ' ') out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  for (const std::string& secret : password_values(url)) {
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  return out;
}

std::unique_ptr<pqxx::connection> open_connection(const std::string& url) {
  std::string effective =
      with_default(url, "connect_timeout", std::to_string(kConnectTimeoutSeconds));
  // A server that vanishes without closing (power loss, a dropped route) is noticed in about
  // 25 s rather than the kernel's two hours, so leases and the change listener fail over.
  effective = with_default(effective, "keepalives_idle", "10");
  effective = with_default(effective, "keepalives_interval", "5");
  effective = with_default(effective, "keepalives_count", "3");
  try {
    auto connection = std::make_unique<pqxx::connection>(effective);
    prepare_statements(*connection);
    return connection;
  } catch (const std::exception& e) {
    throw auth::StoreUnavailable("cannot connect to PostgreSQL at " + redact_url(url) + ": " +
                                 scrub_message(e.what(), effective));
  }
}

}  // namespace latchkey::db

#include "proxy/request_checks.hpp"

#include "proxy/route_path.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace latchkey::proxy {
namespace http = boost::beast::http;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool has_control_character(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

}  // namespace

std::optional<std::string_view> framing_problem(const RequestHeader& header) {
  for (const auto& field : header) {
    if (has_control_character(field.value())) return "control_character_in_header";
  }
  const auto lengths = header.count(http::field::content_length);
  const auto encodings = header.count(http::field::transfer_encoding);
  if (lengths > 1) return "duplicate_content_length";
  if (lengths == 1) {
    const std::string_view value = header[http::field::content_length];
    if (value.empty() || value.size() > 19 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return "malformed_content_length";
    }
  }
  if (encodings == 0) return std::nullopt;
  if (lengths > 0) return "content_length_with_transfer_encoding";
  if (header.version() < 11) return "transfer_encoding_on_http10";
  // Only `chunked`, exactly once, is forwarded: other codings change the framing upstream.
  int codings = 0;
  for (auto it = header.find(http::field::transfer_encoding);
       it != header.end() && it->name() == http::field::transfer_encoding; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string_view coding = trim(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (coding.empty()) continue;
      if (!iequals(coding, "chunked")) return "unsupported_transfer_encoding";
      ++codings;
    }
  }
  if (codings != 1) return "unsupported_transfer_encoding";
  return std::nullopt;
}

std::optional<std::string_view> target_problem(const RequestHeader& header) {
  const std::string_view target = header.target();
  if (target == "*" && header.method() == http::verb::options) return std::nullopt;
  if (target.empty() || target.front() != '/') return "target_not_origin_form";
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.find('\\') != std::string_view::npos) return "backslash_in_path";
  const std::string decoded = route_path(target);
  if (decoded.find("%5C") != std::string::npos) return "backslash_in_path";
  std::string_view rest = decoded;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    const auto next = rest.find('/');
    const std::string_view segment = rest.substr(0, next);
    if (segment == "." || segment == "..") return "dot_segment_in_path";
    if (next == std::string_view::npos) break;
    rest = rest.substr(next);
  }
  return std::nullopt;
}

std::optional<std::string_view> host_problem(const RequestHeader& header) {
  const auto hosts = header.count(http::field::host);
  if (hosts > 1) return "duplicate_host";
  if (header.version() >= 11 && hosts == 0) return "missing_host";
  if (hosts == 0) return std::nullopt;
  const std::string_view host = trim(header[http::field::host]);
  if (host.empty()) return header.version() >= 11 ? std::optional<std::string_view>("missing_host")
                                                   : std::nullopt;
  // RFC 9112 §3.2: uri-host [":" port]; reg-name or IP-literal characters only, so that no
  // "evil/x" or "user@evil" ends up in X-Forwarded-Host.
  const bool valid = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~!$&'()*+,;=%[]:").find(c) != std::string_view::npos;
  });
  if (!valid) return "invalid_host";
  return std::nullopt;
}

std::optional<std::string_view> request_head_problem(const RequestHeader& header) {
  if (auto problem = framing_problem(header)) return problem;
  if (auto problem = host_problem(header)) return problem;
  return target_problem(header);
}

}  // namespace latchkey::proxy

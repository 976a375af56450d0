#include "proxy/access_log.hpp"

#include <algorithm>
#include <charconv>

namespace latchkey::proxy {

namespace {

// A JSON string literal. Bytes from 0x80 up pass through as they came, as Boost.JSON's
// serializer did before: the line is built by hand because this runs once per request.
void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  append_string(out, value);
}

void append_field(std::string& out, std::string_view key, std::uint64_t value) {
  out += ",\"";
  out += key;
  out += "\":";
  append_number(out, value);
}

}  // namespace

std::string path_for_log(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.size() > kMaxLoggedPathBytes) {
    path = path.substr(0, kMaxLoggedPathBytes);
    // Not inside a UTF-8 sequence: the line must stay valid JSON text.
    while (!path.empty() && (static_cast<unsigned char>(path.back()) & 0xC0) == 0x80) {
      path.remove_suffix(1);
    }
    if (!path.empty() && static_cast<unsigned char>(path.back()) >= 0xC0) path.remove_suffix(1);
  }
  return std::string(path);
}

std::string format_access_line(const AccessRecord& record,
                               std::chrono::steady_clock::time_point finished,
                               std::string_view timestamp) {
  const auto latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(finished - record.started).count();
  std::string line;
  line.reserve(256 + record.path.size());
  line += "{\"time\":";
  append_string(line, timestamp);
  line += ",\"type\":\"access\"";
  append_field(line, "client", record.client);
  append_field(line, "route", record.route);
  append_field(line, "method", record.method);
  append_field(line, "path", record.path);
  append_field(line, "status", record.status);
  append_field(line, "user", record.user);
  append_field(line, "app_password", record.app_password);
  if (!record.token.empty()) append_field(line, "token", record.token);
  append_field(line, "credential", record.credential);
  if (!record.reason.empty()) append_field(line, "reason", record.reason);
  line += record.cached ? ",\"cached\":true" : ",\"cached\":false";
  append_field(line, "latency_us", static_cast<std::uint64_t>(std::max<long long>(latency_us, 0)));
  append_field(line, "bytes_in", record.bytes_in);
  append_field(line, "bytes_out", record.bytes_out);
  line += '}';
  return line;
}

void write_access_log(LogSink& sink, const AccessRecord& record) {
  sink.write(format_access_line(record, std::chrono::steady_clock::now(), utc_timestamp_now()));
}

}  // namespace latchkey::proxy

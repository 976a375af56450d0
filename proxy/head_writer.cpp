#include "proxy/head_writer.hpp"

namespace latchkey::proxy {
namespace http = boost::beast::http;

namespace {

template <bool isRequest>
std::size_t fields_size(const http::header<isRequest>& head) {
  std::size_t size = 2;
  for (const auto& field : head) size += field.name_string().size() + field.value().size() + 4;
  return size;
}

template <bool isRequest>
void append_fields(const http::header<isRequest>& head, std::string& out) {
  for (const auto& field : head) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
}

void append_version(unsigned version, std::string& out) {
  const char text[] = {'H', 'T',
                       'T', 'P',
                       '/', static_cast<char>('0' + version / 10 % 10),
                       '.', static_cast<char>('0' + version % 10)};
  out.append(text, sizeof text);
}

}  // namespace

void write_head(const http::request_header<>& head, std::string& out) {
  const auto method = head.method_string();
  const auto target = head.target();
  out.clear();
  out.reserve(method.size() + target.size() + 11 + fields_size(head));
  out.append(method).append(" ").append(target).append(" ");
  append_version(head.version(), out);
  out.append("\r\n");
  append_fields(head, out);
}

void write_head(const http::response_header<>& head, std::string& out) {
  const unsigned code = head.result_int();
  const auto reason = head.reason();
  out.clear();
  out.reserve(13 + reason.size() + 2 + fields_size(head));
  append_version(head.version(), out);
  const char status[] = {' ', static_cast<char>('0' + code / 100 % 10),
                         static_cast<char>('0' + code / 10 % 10),
                         static_cast<char>('0' + code % 10), ' '};
  out.append(status, sizeof status);
  out.append(reason).append("\r\n");
  append_fields(head, out);
}

}  // namespace latchkey::proxy

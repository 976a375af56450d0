#include "proxy/message_framing.hpp"

#include <algorithm>
#include <cctype>

#include "text/ascii.hpp"

namespace latchkey::proxy {
namespace http = boost::beast::http;

namespace {

bool has_control_character(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

}  // namespace

template <bool isRequest>
std::optional<std::string_view> message_framing_problem(const http::header<isRequest>& header) {
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
      const std::string_view coding = text::trim_ows(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (coding.empty()) continue;
      if (!text::iequals(coding, "chunked")) return "unsupported_transfer_encoding";
      ++codings;
    }
  }
  if (codings != 1) return "unsupported_transfer_encoding";
  return std::nullopt;
}

template std::optional<std::string_view> message_framing_problem(const http::header<true>&);
template std::optional<std::string_view> message_framing_problem(const http::header<false>&);

}  // namespace latchkey::proxy

// Checks on the raw bytes of a message head (request or response), made before Beast parses
// it: Beast 1.81 unfolds obs-fold silently, so a proxy that must refuse it (RFC 9112 §5.2)
// has to look at the bytes itself, and bare CR/LF line ends are refused here at once
// instead of waiting for a CRLF CRLF that never comes.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace latchkey::proxy {

struct RawHeadScan {
  std::size_t end = std::string_view::npos;  // just past CRLF CRLF; npos while incomplete
  std::optional<std::string_view> problem;   // reason for a 400 / 502, for log and metrics
};

// Scans `bytes` from the start up to the end of the head (or all of it while incomplete).
RawHeadScan scan_raw_head(std::string_view bytes);

// Bytes of the whole empty lines (CRLF) that `bytes` starts with: a server SHOULD ignore them
// before a request line (RFC 9112 §2.2), as clients send one after a body.
std::size_t leading_empty_lines(std::string_view bytes);

}  // namespace latchkey::proxy

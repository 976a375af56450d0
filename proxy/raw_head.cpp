#include "proxy/raw_head.hpp"

namespace latchkey::proxy {

RawHeadScan scan_raw_head(std::string_view bytes) {
  RawHeadScan scan;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n') {
      // RFC 9112 §2.2: a bare LF is where parsers disagree on where a line ends.
      if (i == 0 || bytes[i - 1] != '\r') {
        scan.problem = "bare_lf";
        return scan;
      }
      if (i >= 3 && bytes.substr(i - 3, 4) == "\r\n\r\n") {
        scan.end = i + 1;
        return scan;
      }
      // A line that starts with whitespace continues the previous one (obs-fold).
      if (i + 1 < bytes.size() && (bytes[i + 1] == ' ' || bytes[i + 1] == '\t')) {
        scan.problem = "obs_fold";
        return scan;
      }
    } else if (c == '\r') {
      if (i + 1 < bytes.size() && bytes[i + 1] != '\n') {
        scan.problem = "bare_cr";
        return scan;
      }
    } else if (c == 0) {
      scan.problem = "nul_in_head";
      return scan;
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      scan.problem = "control_character_in_head";
      return scan;
    }
  }
  return scan;
}

std::size_t leading_empty_lines(std::string_view bytes) {
  std::size_t at = 0;
  while (bytes.substr(at, 2) == "\r\n") at += 2;
  return at;
}

}  // namespace latchkey::proxy

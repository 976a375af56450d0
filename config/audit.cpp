// The audit section: how long the audit log keeps its events.
#include <string_view>

#include "config/sections.hpp"
#include "config/values.hpp"

namespace latchkey::config::detail {
namespace {

// "0", "0d", "00h": a count of zero in any unit.
bool is_zero(std::string_view text) {
  const auto digits = text.find_first_not_of("0123456789");
  const auto number = text.substr(0, digits);
  return !number.empty() && number.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

Audit read_audit(Reader& reader, const MapView& root) {
  Audit audit;
  const auto field = root.get("audit");
  const auto map = field ? reader.map(*field, {"retention"}) : std::nullopt;
  if (!map) return audit;
  if (const auto f = map->get("retention")) {
    const auto text = reader.text(*f);
    if (!text) return audit;
    if (*text == "never") {
      audit.retention = std::nullopt;
    } else if (const auto retention = parse_lifetime(*text)) {
      audit.retention = *retention;
    } else if (is_zero(*text)) {
      // "0d" reads as "keep nothing" to some and "no limit" to others: neither is guessed.
      reader.report(*f, shown(*f) + " is not a retention; to keep events forever, use never");
    } else {
      reader.report(*f, shown(*f) +
                            " is not a retention: a whole number and s, m, h or d, from 1s to "
                            "3650d, like 365d, or never");
    }
  }
  return audit;
}

}  // namespace latchkey::config::detail

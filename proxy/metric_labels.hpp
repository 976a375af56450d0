// Label strings in the form the proxy writes them (`route="tracker",status="200"`), turned into
// name/value pairs. Values are raw: a `"` or `\` inside one is data, and the exposition
// escapes it; a value ends at the quote that is followed by the end or by `,name="`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::proxy {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Nothing when `text` is malformed (a name that is not [a-zA-Z_][a-zA-Z0-9_]*, a missing
// quote, a name given twice, a name starting with "__", which Prometheus reserves).
std::optional<MetricLabels> parse_metric_labels(std::string_view text);

bool is_metric_name(std::string_view name);

}  // namespace latchkey::proxy

// Which malloc the process really runs on, for the "starting" log line.
#pragma once

#include <string_view>

namespace latchkey::app {

// "mimalloc" when malloc resolves to mimalloc's (the build links it ahead of libc), otherwise
// "system" (sanitizer builds, or a link that lost the interposition).
std::string_view allocator_name();

}  // namespace latchkey::app

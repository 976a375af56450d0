// The page's files (web/assets/), compiled into the binary by web/embed_assets.cmake.
#pragma once

#include <string_view>

namespace latchkey::web {

struct Asset {
  std::string_view name;  // file name, as requested below the prefix ("app.js")
  std::string_view content_type;
  std::string_view body;
};

// nullptr when there is no such file.
const Asset* find_asset(std::string_view name);

}  // namespace latchkey::web

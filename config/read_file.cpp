#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "config/values.hpp"

namespace latchkey::config::detail {

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

std::optional<std::string> read_whole_file(const std::string& path, int& error,
                                           std::size_t max_bytes) {
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    error = errno;
    return std::nullopt;
  }
  std::string contents;
  char buffer[4096];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    contents.append(buffer, count);
    if (contents.size() > max_bytes) {
      error = EFBIG;
      return std::nullopt;
    }
  }
  // fopen succeeds on a directory; the read then fails with EISDIR.
  if (std::ferror(file.get()) != 0) {
    error = errno != 0 ? errno : EIO;
    return std::nullopt;
  }
  return contents;
}

}  // namespace latchkey::config::detail

// Bodies stream through in bounded pieces: large transfers arrive intact and latchkey's memory
// stays flat; a refused upload is never read, let alone forwarded.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "tests/e2e/deployment.hpp"

namespace latchkey::test {

namespace {

constexpr std::size_t kUploadBytes = 20 * 1024 * 1024;
constexpr std::size_t kDownloadBytes = 50 * 1024 * 1024;
// Flat memory: a transfer may not grow the proxy's peak RSS by more than this.
constexpr long kMaxRssGrowthKib = 16 * 1024;

std::string grace_password() {
  static const std::string password = [] {
    deployment().add_user("grace", "grace-account-pw", true);
    return deployment().new_app_password("grace", "file sync");
  }();
  return password;
}

// A file of pseudo-random bytes and its SHA-256 as the upstream will report it.
std::string make_upload(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  std::string block(64 * 1024, '\0');
  for (std::size_t written = 0; written < kUploadBytes; written += block.size()) {
    for (char& c : block) {
      state ^= state << 13; state ^= state >> 7; state ^= state << 17;
      c = static_cast<char>(state);
    }
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  out.close();
  const ProcessResult sum = run_process({"sha256sum", path});
  return sum.out.substr(0, 64);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(streaming)

BOOST_AUTO_TEST_CASE(upload_of_20_mb_arrives_intact_with_flat_memory) {
  auto& d = deployment();
  const std::string password = grace_password();
  TempDir dir;
  const std::string file = dir.file("upload.bin");
  const std::string sha = make_upload(file);
  d.curl("/warm-up", {"-u", "grace:" + password});
  const long before = d.proxy_peak_rss_kib();
  for (const bool chunked : {false, true}) {
    std::vector<std::string> args{"-u", "grace:" + password, "--data-binary", "@" + file, "-H",
                                  "Content-Type: application/octet-stream"};
    if (chunked) {
      args.push_back("-H");
      args.push_back("Transfer-Encoding: chunked");
    }
    const auto result = d.curl("/upload", args);
    BOOST_TEST(result.status == 200);
    const auto record = d.upstream_records().back();
    BOOST_TEST(record.at("body_bytes").as_int64() == static_cast<std::int64_t>(kUploadBytes));
    BOOST_TEST(std::string(record.at("body_sha256").as_string()) == sha);
  }
  const long growth = d.proxy_peak_rss_kib() - before;
  BOOST_TEST_MESSAGE("peak RSS growth over two 20 MB uploads: " << growth << " KiB");
  BOOST_TEST(growth < kMaxRssGrowthKib);
}

BOOST_AUTO_TEST_CASE(download_of_50_mb_arrives_intact_with_flat_memory) {
  auto& d = deployment();
  const std::string password = grace_password();
  TempDir dir;
  const long before = d.proxy_peak_rss_kib();
  for (const std::string kind : {"download", "chunked"}) {
    const std::string file = dir.file(kind + ".bin");
    const auto result = d.curl("/" + kind + "?bytes=" + std::to_string(kDownloadBytes),
                               {"-u", "grace:" + password, "-o", file});
    BOOST_TEST(result.status == 200);
    BOOST_TEST(result.curl_exit == 0, result.curl_error);
    BOOST_TEST_MESSAGE(kind << " headers: " << result.headers << " body: " << result.body.size());
    const ProcessResult sum = run_process({"sha256sum", file});
    BOOST_TEST(sum.out.substr(0, 64) == result.header("X-Body-Sha256"));
    BOOST_TEST(std::filesystem::file_size(file) == kDownloadBytes);
  }
  const long growth = d.proxy_peak_rss_kib() - before;
  BOOST_TEST_MESSAGE("peak RSS growth over two 50 MB downloads: " << growth << " KiB");
  BOOST_TEST(growth < kMaxRssGrowthKib);
}

BOOST_AUTO_TEST_CASE(close_delimited_upstream_body_is_reframed_for_the_client) {
  auto& d = deployment();
  const auto result = d.curl("/close-delimited?bytes=100000", {"-u", "grace:" + grace_password()});
  BOOST_TEST(result.status == 200);
  BOOST_TEST(result.body.size() == 100000u);
  BOOST_TEST(result.header("Transfer-Encoding") == "chunked");
}

BOOST_AUTO_TEST_CASE(refused_upload_with_expect_continue_is_never_sent_upstream) {
  auto& d = deployment();
  TempDir dir;
  const std::string file = dir.file("upload.bin");
  make_upload(file);
  const std::size_t before = d.upstream_record_count();
  const auto refused = d.curl("/upload", {"-u", "grace:wrong", "--data-binary", "@" + file, "-H",
                                          "Expect: 100-continue"});
  BOOST_TEST(refused.status == 401);
  BOOST_TEST(refused.headers.find("100 Continue") == std::string::npos);
  BOOST_TEST(d.upstream_record_count() == before);
  const auto accepted = d.curl("/upload", {"-u", "grace:" + grace_password(), "--data-binary",
                                           "@" + file, "-H", "Expect: 100-continue"});
  BOOST_TEST(accepted.status == 200);
  BOOST_TEST(accepted.headers.find("100 Continue") != std::string::npos);
  BOOST_TEST(d.upstream_records().back().at("body_bytes").as_int64() ==
             static_cast<std::int64_t>(kUploadBytes));
  // latchkey answers 100-continue itself; the upstream never sees the Expect header.
  BOOST_TEST(record_header_count(d.upstream_records().back(), "Expect") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace latchkey::test

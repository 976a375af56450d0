#include "db/token_use_recorder.hpp"

#include <algorithm>
#include <pqxx/transaction>
#include <vector>

#include "db/statements.hpp"
#include "db/text.hpp"
#include "db/timestamp.hpp"

namespace latchkey::db {

TokenUseRecorder::TokenUseRecorder(ConnectionPool& pool, std::chrono::milliseconds acquire_wait,
                                   std::chrono::milliseconds refresh)
    : pool_(pool), acquire_wait_(acquire_wait), uses_(kMaxPending, refresh) {}

void TokenUseRecorder::record(std::int64_t token_id, std::string from_address) {
  uses_.record(token_id, LatestUse{.from_address = sanitize_text(from_address, kMaxAddressBytes)});
}

std::size_t TokenUseRecorder::flush(std::chrono::steady_clock::time_point now) {
  return uses_.flush(now, [this](const WriteBehind<LatestUse>::Batch& batch) { write(batch); });
}

std::size_t TokenUseRecorder::pending() const {
  return uses_.pending();
}

void TokenUseRecorder::LatestUse::add(LatestUse other) {
  if (at <= other.at) *this = std::move(other);
}

void TokenUseRecorder::write(const WriteBehind<LatestUse>::Batch& batch) {
  // Three array parameters whatever the count: one statement, never near the 65535 limit.
  std::string ids = "{";
  std::string times = "{";
  std::vector<std::string> addresses;
  addresses.reserve(batch.size());
  for (const auto& [id, use] : batch) {
    if (!addresses.empty()) {
      ids += ',';
      times += ',';
    }
    ids += std::to_string(id);
    times += std::to_string(unix_micros(use.at));
    addresses.push_back(use.from_address);  // client input: bound, quoted by the literal
  }
  ids += '}';
  times += '}';
  pool_.run(acquire_wait_, [&](pqxx::connection& connection) {
    pqxx::work tx(connection, "record_token_use");
    tx.exec_params0(sql::kRecordTokenUse, ids, times, text_array_literal(addresses));
    tx.commit();
  });
}

}  // namespace latchkey::db

// The bookkeeping both last-use recorders share (DESIGN.md §6): the IO threads append each
// stamped use to an inbox under a short lock; one flush at a time swaps the inbox out, folds
// it into one record per credential on its own thread, writes what is due in one go and keeps
// the rest. A credential in steady use (its latest use comes from
// where the last write said) is due again only after `refresh`; news is due at the next flush.
// A failed write keeps its batch for the next flush, where a newer use recorded meanwhile wins.
//
// `Uses` is what is remembered of one credential between two writes, default-constructible:
//   Uses::Use                                // one use; void stamp(time_point at) sets its time
//   void add(Use use);                       // takes in one stamped use
//   void merge(Uses other);                  // absorbs another record of the same credential
//   std::size_t where() const;               // where the latest use came from, hashed
//   bool news_since(std::size_t where) const;  // any use from elsewhere than `where`
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "auth/credential_store.hpp"
#include "db/connection.hpp"

namespace latchkey::db {

// Uses appended before the IO thread that fills the inbox folds it itself: bounds the inbox
// (~6 MB of entries, plus their strings: up to ~25 MB with 256-byte user agents) when flushes
// fall behind or the request rate outruns one flush interval.
inline constexpr std::size_t kWriteBehindInboxLimit = 65'536;

template <class Uses>
class WriteBehind {
 public:
  using Batch = std::unordered_map<std::int64_t, Uses>;

  // Beyond `max_pending` distinct credentials pending (database down for long), new ones are
  // dropped: last use is informational and must not grow memory without bound.
  WriteBehind(std::size_t max_pending, std::chrono::milliseconds refresh)
      : max_pending_(max_pending), refresh_(refresh) {}

  // Cheap and thread-safe: stamps the use and appends it. Finding the credential's record
  // (a hash-table miss per request when many credentials are in use) is left to the flush.
  void record(std::int64_t id, typename Uses::Use use) {
    std::unique_lock lock(mutex_);
    // Microseconds, the resolution the flush sends, strictly increasing: "the latest use
    // wins" never meets a tie when two arrive within one clock tick.
    std::chrono::system_clock::time_point now =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    if (now <= last_stamp_) now = last_stamp_ + std::chrono::microseconds(1);
    last_stamp_ = now;
    use.stamp(now);
    if (inbox_.size() < kWriteBehindInboxLimit) {
      inbox_.emplace_back(id, std::move(use));
      return;
    }
    // Full: this thread takes the inbox and folds it under overflow_mutex_ alone, so the other
    // threads' record() calls wait only for the swap.
    Inbox full;
    full.swap(inbox_);
    inbox_.emplace_back(id, std::move(use));
    lock.unlock();
    std::lock_guard folding(overflow_mutex_);
    fold(pending_, full);
  }

  // Calls write(batch) with every credential that is due; returns how many it covered. On
  // failure throws auth::StoreUnavailable and keeps the batch.
  template <class Write>
  std::size_t flush(std::chrono::steady_clock::time_point now, Write&& write) {
    std::lock_guard flushing(flush_mutex_);
    Batch recorded;
    Inbox inbox;
    {
      std::lock_guard lock(mutex_);
      inbox.swap(inbox_);
      inbox_.reserve(inbox.size());  // the next interval is likely as busy
    }
    {
      std::lock_guard folding(overflow_mutex_);
      recorded.swap(pending_);
    }
    fold(recorded, inbox);
    absorb(held_, std::move(recorded));
    Batch batch;
    for (auto it = held_.begin(); it != held_.end();) {
      if (due(it->first, it->second, now)) {
        batch.emplace(it->first, std::move(it->second));
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
    if (batch.empty()) return 0;
    try {
      write(std::as_const(batch));
    } catch (const auth::StoreUnavailable&) {
      absorb(held_, std::move(batch));
      throw;
    } catch (const std::exception& e) {
      absorb(held_, std::move(batch));
      throw auth::StoreUnavailable(std::string("recording last use failed: ") +
                                   scrub_message(e.what(), ""));
    }
    if (written_.size() + batch.size() > max_pending_) written_.clear();  // a write each, later
    for (const auto& [id, uses] : batch) written_[id] = Written{uses.where(), now};
    return batch.size();
  }

  // Credentials with a use not yet written (held back or recorded since the last flush).
  std::size_t pending() const {
    std::lock_guard flushing(flush_mutex_);
    std::lock_guard lock(mutex_);
    std::lock_guard folding(overflow_mutex_);
    std::unordered_set<std::int64_t> ids;
    for (const auto& [id, uses] : held_) ids.insert(id);
    for (const auto& [id, uses] : pending_) ids.insert(id);
    for (const auto& [id, use] : inbox_) ids.insert(id);
    return ids.size();
  }

 private:
  // What was last written for a credential: where from, and when.
  struct Written {
    std::size_t where = 0;
    std::chrono::steady_clock::time_point at;
  };

  bool due(std::int64_t id, const Uses& uses, std::chrono::steady_clock::time_point now) const {
    const auto written = written_.find(id);
    if (written == written_.end() || now - written->second.at >= refresh_) return true;
    // A hash collision only delays news to the refresh.
    return uses.news_since(written->second.where);
  }

  using Inbox = std::vector<std::pair<std::int64_t, typename Uses::Use>>;

  // Adds each use in `inbox` to its credential's record in `into`, new credentials only while
  // `into` holds fewer than max_pending_, and empties `inbox` (keeping its capacity). Order
  // does not matter: every use carries its stamp.
  void fold(Batch& into, Inbox& inbox) const {
    for (auto& [id, use] : inbox) {
      if (auto it = into.find(id); it != into.end()) {
        it->second.add(std::move(use));
      } else if (into.size() < max_pending_) {
        into[id].add(std::move(use));
      }
    }
    inbox.clear();
  }

  // Merges `from` into `into`, new credentials only while `into` holds fewer than max_pending_.
  void absorb(Batch& into, Batch from) const {
    for (auto& [id, uses] : from) {
      if (auto it = into.find(id); it != into.end()) {
        it->second.merge(std::move(uses));
      } else if (into.size() < max_pending_) {
        into.emplace(id, std::move(uses));
      }
    }
  }

  const std::size_t max_pending_;
  const std::chrono::milliseconds refresh_;
  // record() takes only mutex_, for the inbox; a flush takes it just to swap the inbox out, so
  // the IO threads never wait while a flush goes over every credential in use.
  mutable std::mutex mutex_;
  Inbox inbox_;  // recorded since the last flush, one entry per use
  // Inboxes folded by record() itself when one reached the limit. Taken after mutex_ when
  // both are held (pending() only); record() never holds both.
  mutable std::mutex overflow_mutex_;
  Batch pending_;
  std::chrono::system_clock::time_point last_stamp_{};
  mutable std::mutex flush_mutex_;  // one flush at a time; guards held_ and written_
  Batch held_;  // steady uses waiting for refresh_, and batches whose write failed
  std::unordered_map<std::int64_t, Written> written_;  // at most max_pending_, then forgotten
};

}  // namespace latchkey::db

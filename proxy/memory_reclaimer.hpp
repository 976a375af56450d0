// Gives memory back to the system once load is over: without it, a long-running proxy keeps
// its peak (verified credentials long expired, heap pages that malloc keeps for reuse).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "auth/verified_cache.hpp"

namespace latchkey::proxy {

// Fixes glibc malloc's thresholds before the first large allocation. By default, freeing one
// large mmapped block (Argon2's 19 MiB) raises the mmap threshold to its size and the trim
// threshold to twice that, for good: freed heap up to ~38 MiB per arena is then never returned.
void tune_malloc_for_serving();

// Gives back the free pages this thread's allocator keeps for itself. mimalloc holds them per
// thread until that thread allocates again, so after a burst of connections only the IO thread
// itself can return them; glibc's are MemoryReclaimer's job. Cheap enough for every few seconds.
void release_thread_memory();
#ifdef LATCHKEY_WITH_MIMALLOC
inline constexpr bool kThreadsKeepFreePages = true;
#else
inline constexpr bool kThreadsKeepFreePages = false;  // glibc: release_thread_memory is a no-op
#endif

// A thread that, every `interval`, drops the cache's expired entries and, on glibc builds,
// returns whole free pages of every malloc arena to the system (malloc_trim). It never
// touches the IO threads; the cache sweep takes its lock in short batches.
class MemoryReclaimer {
 public:
  MemoryReclaimer(auth::VerifiedCache& cache, std::chrono::milliseconds interval);
  ~MemoryReclaimer();  // stops and joins the thread
  MemoryReclaimer(const MemoryReclaimer&) = delete;
  MemoryReclaimer& operator=(const MemoryReclaimer&) = delete;

  // One round, as the thread runs it; returns the number of cache entries dropped.
  std::size_t reclaim_once();

 private:
  void run();

  auth::VerifiedCache& cache_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace latchkey::proxy

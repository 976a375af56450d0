#include "proxy/memory_reclaimer.hpp"

#include <malloc.h>
#include <pthread.h>

#ifdef LATCHKEY_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace latchkey::proxy {

namespace {

// Above every buffer on the request path (64 KiB relay chunks, the client buffer's slack):
// those stay on the heap and are reused; only rare large blocks (Argon2) are mmapped.
constexpr int kMmapThresholdBytes = 256 * 1024;
// The free top of a heap is handed back at once past this. Above what requests in flight
// allocate and free all the time (at 128 KiB every keep-alive request page-faulted twice);
// MemoryReclaimer's malloc_trim returns the rest within seconds.
constexpr int kTrimThresholdBytes = 4 * 1024 * 1024;

}  // namespace

// With mimalloc interposed, glibc's heap holds next to nothing: tuning and trimming it is moot.
#if defined(__GLIBC__) && !defined(LATCHKEY_WITH_MIMALLOC)
#define LATCHKEY_TUNE_GLIBC_MALLOC
#endif

void tune_malloc_for_serving() {
#ifdef LATCHKEY_TUNE_GLIBC_MALLOC
  // Setting either one also turns glibc's dynamic adjustment off.
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
#endif
}

void release_thread_memory() {
#ifdef LATCHKEY_WITH_MIMALLOC
  // Not forced: frees retired pages and decommits what the thread's segments no longer use.
  mi_collect(false);
#endif
}

MemoryReclaimer::MemoryReclaimer(auth::VerifiedCache& cache, std::chrono::milliseconds interval)
    : cache_(cache), interval_(interval), thread_([this] { run(); }) {}

MemoryReclaimer::~MemoryReclaimer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::size_t MemoryReclaimer::reclaim_once() {
  const std::size_t dropped = cache_.drop_expired();
#ifdef LATCHKEY_TUNE_GLIBC_MALLOC
  // Also releases free pages inside the heaps, which the trim threshold alone never does.
  malloc_trim(0);
#endif
  return dropped;
}

void MemoryReclaimer::run() {
  pthread_setname_np(pthread_self(), "latchkey-trim");  // at most 15 characters
  std::unique_lock lock(mutex_);
  for (;;) {
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    lock.unlock();
    reclaim_once();
    lock.lock();
  }
}

}  // namespace latchkey::proxy

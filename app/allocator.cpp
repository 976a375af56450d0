#include "app/allocator.hpp"

#include <cstdlib>

#ifdef LATCHKEY_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace latchkey::app {

std::string_view allocator_name() {
#ifdef LATCHKEY_WITH_MIMALLOC
  // Being linked proves nothing: the block malloc hands out must come from mimalloc's heap.
  void* probe = std::malloc(64);
  const bool interposed = probe != nullptr && mi_is_in_heap_region(probe);
  std::free(probe);
  if (interposed) return "mimalloc";
#endif
  return "system";
}

}  // namespace latchkey::app

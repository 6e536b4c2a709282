// See AllocationCounter.h.
#include "test/lib/exec/AllocationCounter.h"

#include <atomic>

#if defined(__SANITIZE_ADDRESS__)
#define BRAID_COUNT_WITH_SANITIZER_HOOK 1
// libasan exports the hook installer; GCC ships no header declaring it.
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));
#endif

namespace {

std::atomic<bool> counting{false};
std::atomic<uint64_t> count{0}, bytes{0}, largest{0};

void note(size_t size) {
  if (!counting.load(std::memory_order_relaxed))
    return;
  count.fetch_add(1, std::memory_order_relaxed);
  bytes.fetch_add(size, std::memory_order_relaxed);
  uint64_t seen = largest.load(std::memory_order_relaxed);
  while (size > seen &&
         !largest.compare_exchange_weak(seen, size, std::memory_order_relaxed))
    ;
}

} // namespace

#ifdef BRAID_COUNT_WITH_SANITIZER_HOOK

namespace {
void onMalloc(const volatile void *, size_t size) { note(size); }
void onFree(const volatile void *) {}
const int installed =
    __sanitizer_install_malloc_and_free_hooks(onMalloc, onFree);
} // namespace

#else

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);

void *malloc(size_t size) {
  note(size);
  return __libc_malloc(size);
}
void *calloc(size_t n, size_t size) {
  note(n * size);
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t size) {
  note(size);
  return __libc_realloc(p, size);
}
void *memalign(size_t alignment, size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}
void *aligned_alloc(size_t alignment, size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void **out, size_t alignment, size_t size) {
  note(size);
  void *p = __libc_memalign(alignment, size);
  if (!p)
    return 12; // ENOMEM
  *out = p;
  return 0;
}
void *valloc(size_t size) {
  note(size);
  return __libc_memalign(4096, size);
}
void free(void *p) { __libc_free(p); }
}

#endif

namespace braid::test {

void startCountingAllocations() {
  count = 0;
  bytes = 0;
  largest = 0;
  counting = true;
}

AllocationCounts stopCountingAllocations() {
  counting = false;
  return {count.load(), bytes.load(), largest.load()};
}

} // namespace braid::test

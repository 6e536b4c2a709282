// Counts the heap allocations of the whole process (every thread) while
// counting is on. Under AddressSanitizer it uses the sanitizer's malloc
// hook; otherwise the executable replaces glibc's malloc family with
// counting forwarders to glibc's own (glibc documents such replacement).
#ifndef BRAID_TEST_LIB_EXEC_ALLOCATIONCOUNTER_H
#define BRAID_TEST_LIB_EXEC_ALLOCATIONCOUNTER_H

#include <cstddef>
#include <cstdint>

namespace braid::test {

struct AllocationCounts {
  uint64_t count = 0;
  uint64_t bytes = 0;
  uint64_t largest = 0;
};

/// Starts counting from zero.
void startCountingAllocations();
/// Stops counting and returns what was counted since the start.
AllocationCounts stopCountingAllocations();

} // namespace braid::test

#endif // BRAID_TEST_LIB_EXEC_ALLOCATIONCOUNTER_H

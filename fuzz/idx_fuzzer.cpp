// libFuzzer harness for the IDX reader, plain and gzip (runtime/io/Idx.h).
#include "runtime/io/Idx.h"

#include <cstdint>

using namespace braid::runtime::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Array array;
  // The reader's real bound (4 GiB) is above the fuzzer's memory limit; a
  // smaller one tests the same check on a gzip stream that inflates past it.
  (void)readIdxBuffer(data, size, "fuzz.idx", &array,
                      /*maxInflatedBytes=*/64ull << 20);
  return 0;
}

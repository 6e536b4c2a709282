// libFuzzer harness for the .npy reader (runtime/io/Npy.h).
#include "runtime/io/Npy.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace braid::runtime::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Array array;
  if (!readNpyBuffer(data, size, "fuzz.npy", &array))
    return 0;
  // An array the reader accepts round-trips through the writer.
  std::vector<uint8_t> encoded;
  if (!encodeNpy(array, &encoded))
    std::abort();
  Array again;
  if (!readNpyBuffer(encoded.data(), encoded.size(), "re-encoded", &again) ||
      again.dtype != array.dtype || again.shape != array.shape ||
      again.data != array.data)
    std::abort();
  return 0;
}

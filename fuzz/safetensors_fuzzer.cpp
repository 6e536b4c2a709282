// libFuzzer harness for the safetensors reader (runtime/io/Safetensors.h).
#include "runtime/io/Safetensors.h"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using namespace braid::runtime::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<NamedArray> arrays;
  std::map<std::string, std::string> metadata;
  if (!readSafetensorsBuffer(data, size, "fuzz.safetensors", &arrays,
                             &metadata))
    return 0;
  // What the reader accepts, the writer must write back (a checkpoint
  // edited by a tool is saved again), and read back the same.
  std::vector<uint8_t> encoded;
  if (!encodeSafetensors(arrays, metadata, &encoded))
    std::abort();
  std::vector<NamedArray> again;
  std::map<std::string, std::string> metadataAgain;
  if (!readSafetensorsBuffer(encoded.data(), encoded.size(), "re-encoded",
                             &again, &metadataAgain) ||
      again.size() != arrays.size() || metadataAgain != metadata)
    std::abort();
  for (size_t i = 0; i < arrays.size(); ++i)
    if (again[i].name != arrays[i].name ||
        again[i].array.dtype != arrays[i].array.dtype ||
        again[i].array.shape != arrays[i].array.shape ||
        again[i].array.data != arrays[i].array.data)
      std::abort();
  return 0;
}

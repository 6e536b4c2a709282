// The hash of a plan's code image (CodeObject.hash), computed the same way by
// braidc when it writes the image and by the plan loader when it checks it.
// It detects damage, not tampering: a plan that carries code is trusted code
// (docs/plan-format.md).
#ifndef BRAID_RUNTIME_PLAN_CODEHASH_H
#define BRAID_RUNTIME_PLAN_CODEHASH_H

#include <cstddef>
#include <cstdint>

namespace braid::plan {

/// 64-bit FNV-1a of bytes [data, data + size).
inline uint64_t codeHash(const uint8_t *data, size_t size) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

} // namespace braid::plan

#endif // BRAID_RUNTIME_PLAN_CODEHASH_H

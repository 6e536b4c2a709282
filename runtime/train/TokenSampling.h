// TokenSampling: what `braid-run generate` feeds a model and how it picks
// the next token from the logits: the context window, temperature, top-k
// and a seeded, counter-based draw.
#ifndef BRAID_RUNTIME_TRAIN_TOKENSAMPLING_H
#define BRAID_RUNTIME_TRAIN_TOKENSAMPLING_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <vector>

namespace braid::runtime::train {

/// Writes the window a causal model of context T sees for `tokens` to
/// `window` (T values): the last T tokens when there are at least T;
/// otherwise all of them, left-aligned, the rest zero (position p of a
/// causal model sees only positions 0..p, so the padding changes nothing
/// before it). Returns the position of the last token in the window, whose
/// logits predict the next token; -1 when `tokens` is empty.
int64_t fillWindow(const std::vector<uint8_t> &tokens, int64_t context,
                   int32_t *window);

struct SamplingOptions {
  /// Logits are divided by it before the softmax; 0 picks the most likely
  /// token (the first of equals), without drawing.
  double temperature = 1.0;
  /// Only the k most likely tokens are drawn from (ties: the lower token
  /// first); 0 or at least the vocabulary: all of them.
  int64_t topK = 0;
  uint64_t seed = 0;
};

/// Picks a token from `vocab` logits. Draw `index` (the 0-based count of
/// tokens generated before) uses u = (splitMix64Draw(shuffleKey(seed, index),
/// 0) >> 11) * 2^-53 (BatchSampler.h), a uniform double in [0, 1): the token
/// is the first, in order of decreasing logit, whose cumulative probability
/// exceeds u, so a seed and index always give the same token.
/// InvalidArgument for a negative temperature or top-k or no logits;
/// InvalidData naming the token when a logit is NaN or +infinity.
Status sampleToken(const float *logits, int64_t vocab,
                   const SamplingOptions &options, uint64_t index,
                   int32_t *out);

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_TOKENSAMPLING_H

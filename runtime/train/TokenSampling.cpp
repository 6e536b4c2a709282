// TokenSampling: the generation window and the next token's draw.
#include "runtime/train/TokenSampling.h"

#include "runtime/train/BatchSampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace braid::runtime::train {

int64_t fillWindow(const std::vector<uint8_t> &tokens, int64_t context,
                   int32_t *window) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t first = std::max<int64_t>(0, n - context);
  const int64_t used = n - first;
  for (int64_t t = 0; t < context; ++t)
    window[t] = t < used ? tokens[first + t] : 0;
  return used - 1;
}

Status sampleToken(const float *logits, int64_t vocab,
                   const SamplingOptions &options, uint64_t index,
                   int32_t *out) {
  if (vocab < 1)
    return invalidArgument("there are no logits to sample from");
  if (!(options.temperature >= 0) || !std::isfinite(options.temperature))
    return invalidArgument("the temperature must be a finite number >= 0, "
                           "not " +
                           std::to_string(options.temperature));
  if (options.topK < 0)
    return invalidArgument("top-k must be >= 0 (0: every token), not " +
                           std::to_string(options.topK));
  for (int64_t i = 0; i < vocab; ++i)
    if (std::isnan(logits[i]) || logits[i] == INFINITY)
      return invalidData("the logit of token " + std::to_string(i) + " is " +
                         (std::isnan(logits[i]) ? "nan" : "inf") +
                         "; the model's outputs are not finite");
  // Tokens by decreasing logit, equal logits by increasing token.
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  if (options.temperature == 0 || logits[order[0]] == -INFINITY) {
    *out = order[0];
    return Status::ok();
  }
  const size_t keep = options.topK == 0 || options.topK >= vocab
                          ? order.size()
                          : static_cast<size_t>(options.topK);
  const double top = logits[order[0]];
  std::vector<double> weights(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i)
    total += weights[i] =
        std::exp((logits[order[i]] - top) / options.temperature);
  const uint64_t bits =
      splitMix64Draw(shuffleKey(options.seed, index), 0) >> 11;
  const double u = static_cast<double>(bits) * 0x1.0p-53 * total;
  double cumulative = 0;
  for (size_t i = 0; i < keep; ++i) {
    cumulative += weights[i];
    if (cumulative > u) {
      *out = order[i];
      return Status::ok();
    }
  }
  *out = order[keep - 1]; // u within rounding of the total
  return Status::ok();
}

} // namespace braid::runtime::train

// braid-run generate: sampled text from a plan whose predict maps tokens
// i32[B, T] to logits f32[B, T, V].
#ifndef BRAID_TOOLS_BRAID_RUN_GENERATE_H
#define BRAID_TOOLS_BRAID_RUN_GENERATE_H

#include "Common.h"

#include <string>

namespace braidrun {

struct GenerateOptions {
  std::string plan, checkpoint, prompt;
  int64_t tokens = 200;
  double temperature = 1.0; // 0: the most likely byte each time
  int64_t topK = 0;         // 0: every byte
  SessionFlags session;     // its seed seeds the sampling
};

/// Prints the prompt followed by `tokens` sampled bytes to stdout; returns
/// the exit status.
int generate(const GenerateOptions &options);

} // namespace braidrun

#endif // BRAID_TOOLS_BRAID_RUN_GENERATE_H

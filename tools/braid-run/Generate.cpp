// braid-run generate: text from a byte-level language model, one token at
// a time through the plan's predict over the last T tokens.
#include "Generate.h"

#include "runtime/train/TokenSampling.h"

#include <cstdio>
#include <cstring>
#include <vector>

namespace braidrun {
namespace {

using braid::runtime::train::fillWindow;
using braid::runtime::train::sampleToken;
using braid::runtime::train::SamplingOptions;

std::string signatureText(braid_plan_t *plan, const char *entry, bool inputs,
                          size_t count) {
  std::string s;
  for (size_t i = 0; i < count; ++i) {
    braid_tensor_info_t t;
    braid_tensor_info_init(&t);
    if (inputs)
      braid_plan_entry_point_input(plan, entry, i, &t);
    else
      braid_plan_entry_point_output(plan, entry, i, &t);
    s += (i ? ", " : "") + std::string(t.name) + " " + typeText(t);
  }
  return count ? s : "nothing";
}

/// One `braid-run generate`: each step is a method, run in the order run()
/// lists.
class Generator {
public:
  explicit Generator(const GenerateOptions &options) : o_(options) {}

  int run() {
    if (o_.prompt.empty())
      return fail("the prompt is empty; generation continues a text of at "
                  "least one byte (--prompt TEXT)");
    if (o_.tokens < 0)
      return fail("--tokens must be >= 0, not " + std::to_string(o_.tokens));
    if (!(o_.temperature >= 0)) {
      char text[64];
      std::snprintf(text, sizeof text, "%g", o_.temperature);
      return fail("--temperature must be >= 0 (0: the most likely byte), "
                  "not " +
                  std::string(text));
    }
    if (o_.topK < 0)
      return fail("--top-k must be >= 0 (0: every byte), not " +
                  std::to_string(o_.topK));
    if (int rc = loadPlan())
      return rc;
    if (int rc = createSession(plan_.get(), o_.session, nullptr, &session_))
      return rc;
    if (int rc =
            loadCheckpointOrWarn(session_.get(), o_.checkpoint, "generating"))
      return rc;
    return generate();
  }

private:
  static constexpr const char *kEntry = "predict";

  /// The plan; its predict must take one input i32[B, T] and give an
  /// output f32[B, T, V] with V <= 256 (a byte's logits at every position).
  int loadPlan() {
    braid_plan_t *raw = nullptr;
    if (braid_plan_load_file(o_.plan.c_str(), &raw) != BRAID_OK)
      return failApi("cannot load plan " + o_.plan);
    plan_.reset(raw);
    size_t inputs, outputs;
    if (braid_plan_entry_point_signature(plan_.get(), kEntry, &inputs,
                                         &outputs) != BRAID_OK)
      return failApi(o_.plan);
    braid_tensor_info_init(&input_);
    if (inputs == 1)
      braid_plan_entry_point_input(plan_.get(), kEntry, 0, &input_);
    if (inputs != 1 || input_.element_type != BRAID_I32 || input_.rank != 2)
      return fail("generate feeds predict one input i32[B, T] (the tokens), "
                  "but the plan's predict takes " +
                  signatureText(plan_.get(), kEntry, true, inputs));
    for (size_t o = 0; o < outputs && !found_; ++o) {
      braid_tensor_info_init(&output_);
      braid_plan_entry_point_output(plan_.get(), kEntry, o, &output_);
      found_ = output_.element_type == BRAID_F32 && output_.rank == 3 &&
               output_.shape[0] == input_.shape[0] &&
               output_.shape[1] == input_.shape[1];
    }
    if (!found_)
      return fail("generate reads the logits f32[B, T, V] of predict, but "
                  "the plan's predict gives " +
                  signatureText(plan_.get(), kEntry, false, outputs) +
                  " for its input " + input_.name + " " + typeText(input_));
    if (output_.shape[2] > 256)
      return fail("output '" + std::string(output_.name) + "' " +
                  typeText(output_) + " has " +
                  std::to_string(output_.shape[2]) +
                  " classes; generate writes bytes and needs at most 256");
    return 0;
  }

  /// Writes the prompt, then each sampled byte as it comes. Row 0 of the
  /// batch holds the window; the other rows stay zero.
  int generate() {
    const int64_t context = input_.shape[1];
    const int64_t vocab = output_.shape[2];
    std::vector<uint8_t> tokens(o_.prompt.begin(), o_.prompt.end());
    std::vector<int32_t> batch(input_.byte_size / sizeof(int32_t), 0);
    if (braid_session_bind_input(session_.get(), kEntry, input_.name,
                                 batch.data(), input_.byte_size) != BRAID_OK)
      return failApi("binding input");
    std::fwrite(tokens.data(), 1, tokens.size(), stdout);
    SamplingOptions sampling;
    sampling.temperature = o_.temperature;
    sampling.topK = o_.topK;
    sampling.seed = o_.session.seed;
    for (int64_t n = 0; n < o_.tokens; ++n) {
      const int64_t last = fillWindow(tokens, context, batch.data());
      if (braid_session_run(session_.get(), kEntry) != BRAID_OK)
        return failApi("predict failed");
      const void *data;
      size_t bytes;
      if (braid_session_output(session_.get(), kEntry, output_.name, &data,
                               &bytes) != BRAID_OK)
        return failApi("reading output");
      const float *logits = static_cast<const float *>(data) + last * vocab;
      int32_t next;
      if (braid::runtime::Status s = sampleToken(
              logits, vocab, sampling, static_cast<uint64_t>(n), &next);
          !s)
        return fail(s.message());
      tokens.push_back(static_cast<uint8_t>(next));
      std::fputc(next, stdout);
      std::fflush(stdout);
    }
    std::fflush(stdout);
    return 0;
  }

  const GenerateOptions &o_;
  PlanPtr plan_;
  SessionPtr session_;
  braid_tensor_info_t input_{}, output_{};
  bool found_ = false;
};

} // namespace

int generate(const GenerateOptions &options) {
  return Generator(options).run();
}

} // namespace braidrun

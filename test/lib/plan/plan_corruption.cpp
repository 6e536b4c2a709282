// braid-plan-corruption PLAN: damages a valid plan in every way the loader
// must survive and checks that each damaged copy is rejected with an error
// (or, for byte flips that happen to leave a valid plan, that a session over
// it still runs). Run by lit under AddressSanitizer, so an out-of-bounds
// read or write anywhere fails the test.
#include "runtime/exec/Session.h"
#include "runtime/io/AtomicFile.h"
#include "runtime/plan/CodeHash.h"

#include <cstdio>
#include <cstring>
#include <random>

using namespace braid::runtime;

namespace {

int failures = 0;

/// `show`: also prints the message, for the test to check.
void expectRejected(const std::vector<uint8_t> &bytes, const char *what,
                    bool show = false) {
  std::shared_ptr<const LoadedPlan> plan;
  Status s = LoadedPlan::load(bytes.data(), bytes.size(), &plan);
  if (show)
    std::printf("%s: %s\n", what, s.message().c_str());
  if (s.isOk()) {
    std::printf("FAIL: %s: accepted\n", what);
    ++failures;
  } else if (s.code() != StatusCode::InvalidPlan || s.message().empty()) {
    std::printf("FAIL: %s: wrong status %d '%s'\n", what,
                static_cast<int>(s.code()), s.message().c_str());
    ++failures;
  }
}

/// A plan that loads but whose session must fail to be created (its code
/// does not define a kernel), with a message naming the damage.
void expectSessionRefused(const std::vector<uint8_t> &bytes, const char *what,
                          const char *mentions) {
  std::shared_ptr<const LoadedPlan> plan;
  std::unique_ptr<Session> session;
  Status s = LoadedPlan::load(bytes.data(), bytes.size(), &plan);
  if (s.isOk())
    s = Session::create(plan, SessionOptions{1, 0}, &session);
  if (s.isOk() || s.message().find(mentions) == std::string::npos) {
    std::printf("FAIL: %s: '%s'\n", what, s.message().c_str());
    ++failures;
  }
}

/// The offset in `bytes` of `p`, a pointer into them: damage is written
/// through the byte vector (GCC's -Wstringop-overflow misreads writes
/// through FlatBuffers' table pointers).
size_t at(const std::vector<uint8_t> &bytes, const void *p) {
  return static_cast<const uint8_t *>(p) - bytes.data();
}

/// Damages the code section of a plan that has one (braid-plan-fuse's):
/// every image's bytes, length, ELF header and ISA, the kernels' symbols,
/// and every fused step's kernel index and work items.
void damageCode(const std::vector<uint8_t> &good) {
  namespace fb = braid::plan;
  const fb::Plan *p = fb::GetPlan(good.data());
  if (!p->code() || p->code()->size() == 0)
    return;
  auto image = [](std::vector<uint8_t> &bytes, size_t i) {
    return fb::GetMutablePlan(bytes.data())
        ->mutable_code()
        ->GetMutableObject(i);
  };
  // Rewrites image i's hash to match its (damaged) bytes, so that the check
  // after the hash is what must reject it.
  auto rehash = [&](std::vector<uint8_t> &bytes, size_t i) {
    auto *c = image(bytes, i);
    return c->mutate_hash(
        braid::plan::codeHash(c->image()->data(), c->image()->size()));
  };
  int checks = 0;
  for (size_t i = 0; i < p->code()->size(); ++i) {
    std::string where = "code image " + std::to_string(i) + ": ";
    size_t size = p->code()->Get(i)->image()->size();
    {
      std::vector<uint8_t> bad = good;
      image(bad, i)->mutable_image()->Mutate(
          size / 2, p->code()->Get(i)->image()->Get(size / 2) ^ 0x40);
      expectRejected(bad, (where + "a flipped byte").c_str(), i == 0);
      ++checks;
    }
    {
      // Truncated: the vector's length prefix, 4 bytes before its data.
      for (size_t keep : {size_t(0), size_t(40), size_t(200), size / 2}) {
        std::vector<uint8_t> bad = good;
        uint32_t length = static_cast<uint32_t>(keep);
        std::memcpy(bad.data() + at(bad, image(bad, i)->image()->Data()) - 4,
                    &length, 4);
        if (rehash(bad, i)) {
          expectRejected(bad,
                         (where + "truncated to " + std::to_string(keep) +
                          " bytes, hash recomputed")
                             .c_str(),
                         i == 0);
          ++checks;
        }
      }
    }
    // The ELF header: magic, class, machine (i386), type (ET_EXEC), the
    // program header table's offset past the end.
    for (auto [offset, value] : std::vector<std::pair<size_t, uint8_t>>{
             {1, 'X'}, {4, 1}, {18, 3}, {16, 2}, {32 + 6, 0x7f}}) {
      std::vector<uint8_t> bad = good;
      image(bad, i)->mutable_image()->Mutate(offset, value);
      if (rehash(bad, i)) {
        expectRejected(
            bad,
            (where + "ELF header byte " + std::to_string(offset) + " damaged")
                .c_str(),
            i == 0);
        ++checks;
      }
    }
    {
      std::vector<uint8_t> bad = good;
      const flatbuffers::String *isa = image(bad, i)->isa();
      bad[at(bad, isa->c_str()) + isa->size() - 1] = '9';
      expectRejected(bad, (where + "unknown ISA").c_str(), i == 0);
      ++checks;
    }
  }
  for (size_t k = 0; k < p->kernels()->size(); ++k) {
    std::string where = "kernel " + std::to_string(k) + ": ";
    std::vector<uint8_t> bad = good;
    const flatbuffers::String *name =
        fb::GetPlan(bad.data())->kernels()->Get(k);
    size_t text = at(bad, name->c_str());
    bad[text + name->size() - 1] = 'Q';
    expectSessionRefused(bad, (where + "a symbol the image lacks").c_str(),
                         "does not define kernel");
    ++checks;
    bad[text] = '9';
    expectRejected(bad, (where + "not a C identifier").c_str(), k == 0);
    ++checks;
  }
  for (size_t e = 0; e < p->entry_points()->size(); ++e) {
    const auto *steps = p->entry_points()->Get(e)->steps();
    for (size_t s = 0; s < steps->size(); ++s) {
      if (steps->Get(s)->kind() != fb::KernelKind::Fused)
        continue;
      auto step = [&](std::vector<uint8_t> &bytes) {
        return fb::GetMutablePlan(bytes.data())
            ->mutable_entry_points()
            ->GetMutableObject(e)
            ->mutable_steps()
            ->GetMutableObject(s);
      };
      std::string where = "fused step " + std::to_string(s) + ": ";
      std::vector<uint8_t> bad = good;
      if (step(bad)->mutate_kernel_index(p->kernels()->size())) {
        expectRejected(bad, (where + "kernel index out of range").c_str());
        ++checks;
      }
      for (int64_t items : {int64_t(0), int64_t(-1), int64_t(1) << 40}) {
        bad = good;
        if (step(bad)->mutate_work_items(items)) {
          expectRejected(
              bad, (where + std::to_string(items) + " work items").c_str());
          ++checks;
        }
      }
    }
  }
  std::printf("code section: %d damaged copies checked\n", checks);
}

/// A plan that loads must also run: validation is what keeps kernels in
/// bounds.
void runIfAccepted(const std::vector<uint8_t> &bytes, int *accepted) {
  std::shared_ptr<const LoadedPlan> plan;
  if (!LoadedPlan::load(bytes.data(), bytes.size(), &plan).isOk())
    return;
  ++*accepted;
  std::unique_ptr<Session> session;
  if (!Session::create(plan, SessionOptions{1, 0}, &session).isOk())
    return;
  for (const PlanEntryPoint &entry : plan->entryPoints()) {
    std::vector<std::vector<uint8_t>> buffers;
    for (uint32_t id : entry.inputs) {
      buffers.emplace_back(plan->tensors()[id].desc.bytes(), 0);
      (void)session->bindInput(entry.name, plan->tensors()[id].name,
                               buffers.back().data(), buffers.back().size());
    }
    (void)session->run(entry.name);
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: braid-plan-corruption PLAN\n");
    return 2;
  }
  std::vector<uint8_t> good;
  Status read = io::readFile(argv[1], &good);
  std::shared_ptr<const LoadedPlan> plan;
  if (!read || !LoadedPlan::load(good.data(), good.size(), &plan)) {
    std::printf("FAIL: the undamaged plan does not load\n");
    return 1;
  }

  // Truncated at every 1/16 of its length (and to nothing).
  for (int k = 0; k < 16; ++k) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + good.size() * k / 16);
    expectRejected(cut, ("truncated to " + std::to_string(k) + "/16").c_str());
  }

  // Wrong identifier, wrong version.
  {
    std::vector<uint8_t> bad = good;
    std::memcpy(bad.data() + 4, "XXXX", 4);
    expectRejected(bad, "wrong file identifier");
  }
  {
    std::vector<uint8_t> bad = good;
    braid::plan::GetMutablePlan(bad.data())->mutate_format_version(999);
    expectRejected(bad, "unknown format version");
  }
  {
    // One flipped high byte turns a 5 MB arena into hundreds of GB, still
    // under the 4 TiB bound; the session would then try to allocate it.
    std::vector<uint8_t> bad = good;
    auto *m = braid::plan::GetMutablePlan(bad.data());
    if (m->mutate_arena_bytes(m->arena_bytes() ^ (uint64_t(0x65) << 32)))
      expectRejected(bad, "arena size with a flipped high byte", true);
  }

  // Every arena offset pushed out of range, one tensor at a time; every
  // parameter and constant index out of range; every step id out of range.
  const braid::plan::Plan *p = braid::plan::GetPlan(good.data());
  for (size_t i = 0; i < p->tensors()->size(); ++i) {
    std::vector<uint8_t> bad = good;
    auto *t = braid::plan::GetMutablePlan(bad.data())
                  ->mutable_tensors()
                  ->GetMutableObject(i);
    if (t->storage() == braid::plan::Storage::Arena) {
      if (!t->mutate_offset(p->arena_bytes()))
        continue; // the field holds its default and cannot be mutated
      expectRejected(bad, ("arena offset of tensor " + std::to_string(i) +
                           " past the arena")
                              .c_str());
    } else if (t->storage() == braid::plan::Storage::Parameter ||
               t->storage() == braid::plan::Storage::Constant) {
      if (!t->mutate_index(1000000))
        continue;
      expectRejected(
          bad,
          ("index of tensor " + std::to_string(i) + " out of range").c_str());
    }
  }
  for (size_t e = 0; e < p->entry_points()->size(); ++e) {
    const auto *steps = p->entry_points()->Get(e)->steps();
    for (size_t s = 0; s < steps->size(); ++s) {
      std::vector<uint8_t> bad = good;
      auto *step = braid::plan::GetMutablePlan(bad.data())
                       ->mutable_entry_points()
                       ->GetMutableObject(e)
                       ->mutable_steps()
                       ->GetMutableObject(s);
      // An AllReduceWait has no inputs: damage its outputs instead.
      auto *ids = step->mutable_inputs()->size() ? step->mutable_inputs()
                                                 : step->mutable_outputs();
      ids->Mutate(0, 4000000000u);
      expectRejected(
          bad,
          ("step " + std::to_string(s) + " naming tensor 4000000000").c_str());
      // The message names the step by its kind's one spelling.
      if (e == 0 && s == 0) {
        std::shared_ptr<const LoadedPlan> rejected;
        std::printf("first damaged step: %s\n",
                    LoadedPlan::load(bad.data(), bad.size(), &rejected)
                        .message()
                        .c_str());
      }
      bad = good;
      if (braid::plan::GetMutablePlan(bad.data())
              ->mutable_entry_points()
              ->GetMutableObject(e)
              ->mutable_steps()
              ->GetMutableObject(s)
              ->mutate_kind(static_cast<braid::plan::KernelKind>(200)))
        expectRejected(
            bad, ("step " + std::to_string(s) + " of unknown kind").c_str());
    }
  }

  // Collectives (data-parallel plans): a bucket out of order, a wait on the
  // wrong tensors or request, an unknown reduction.
  for (size_t e = 0; e < p->entry_points()->size(); ++e) {
    const auto *steps = p->entry_points()->Get(e)->steps();
    for (size_t s = 0; s < steps->size(); ++s) {
      using K = braid::plan::KernelKind;
      K kind = steps->Get(s)->kind();
      auto mutableStep = [&](std::vector<uint8_t> &bytes) {
        return braid::plan::GetMutablePlan(bytes.data())
            ->mutable_entry_points()
            ->GetMutableObject(e)
            ->mutable_steps()
            ->GetMutableObject(s);
      };
      std::string where = "step " + std::to_string(s) + " of entry point " +
                          std::to_string(e) + ": ";
      if (kind == K::AllReduceStart && steps->Get(s)->inputs()->size() >= 2) {
        std::vector<uint8_t> bad = good;
        auto *inputs = mutableStep(bad)->mutable_inputs();
        uint32_t first = inputs->Get(0);
        inputs->Mutate(0, inputs->Get(1));
        inputs->Mutate(1, first);
        expectRejected(bad, (where + "bucket members swapped").c_str());
      }
      if (kind == K::AllReduceWait) {
        std::vector<uint8_t> bad = good;
        auto *outputs = mutableStep(bad)->mutable_outputs();
        outputs->Mutate(0, outputs->Get(0) == 0 ? 1 : 0);
        expectRejected(bad, (where + "wait on other tensors").c_str());
        bad = good;
        if (mutableStep(bad)->mutate_request(77777))
          expectRejected(bad, (where + "wait on an unknown request").c_str());
      }
      if (kind == K::AllReduceStart || kind == K::AllReduce) {
        std::vector<uint8_t> bad = good;
        if (mutableStep(bad)->mutate_reduction(
                static_cast<braid::plan::Reduction>(9)))
          expectRejected(bad, (where + "unknown reduction").c_str());
      }
    }
  }
  {
    std::vector<uint8_t> bad = good;
    if (braid::plan::GetMutablePlan(bad.data())->mutate_arena_bytes(64))
      expectRejected(bad, "arena shrunk to 64 bytes");
  }
  // A plan for a range of batch sizes: each predict size must name an entry
  // point of predict's signature at that many rows, ascending, the plan's
  // batch last.
  if (const auto *sizes =
          braid::plan::GetPlan(good.data())->metadata()->predict_batches();
      sizes && sizes->size() > 1) {
    int64_t last = sizes->Get(sizes->size() - 1);
    auto damage = [&](size_t index, int64_t value, const char *what) {
      std::vector<uint8_t> bad = good;
      braid::plan::GetMutablePlan(bad.data())
          ->mutable_metadata()
          ->mutable_predict_batches()
          ->Mutate(index, value);
      expectRejected(bad, what);
    };
    damage(0, 3, "predict batch without its entry point");
    damage(0, 0, "predict batch of 0 rows");
    damage(0, last, "predict batches not ascending");
    damage(sizes->size() - 1, last - 1, "predict batches not ending with B");
  }

  damageCode(good);

  // Random byte flips from a fixed seed.
  std::mt19937_64 rng(20261127);
  int accepted = 0;
  const int flips = 2000;
  for (int i = 0; i < flips; ++i) {
    std::vector<uint8_t> bad = good;
    int count = 1 + static_cast<int>(rng() % 4);
    for (int c = 0; c < count; ++c)
      bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    runIfAccepted(bad, &accepted);
  }
  std::printf("%d random corruptions: %d rejected, %d loaded and ran\n", flips,
              flips - accepted, accepted);
  std::printf("%s\n", failures ? "FAILED" : "all damaged plans handled");
  return failures ? 1 : 0;
}

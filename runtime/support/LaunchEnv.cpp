// See LaunchEnv.h.
#include "runtime/support/LaunchEnv.h"

#include <cstdlib>

namespace braid::runtime {
namespace {

/// A launcher and the variables that, all set, say it started this process.
struct Launcher {
  const char *name;
  const char *variables[2];
};

constexpr Launcher kLaunchers[] = {
    {"Open MPI", {"OMPI_COMM_WORLD_SIZE", nullptr}},
    {"PMIx", {"PMIX_RANK", "PMIX_NAMESPACE"}},
    {"PMI", {"PMI_RANK", "PMI_SIZE"}},
};

/// The processes on this host: Open MPI's, then Hydra's.
constexpr const char *kLocalSizes[] = {"OMPI_COMM_WORLD_LOCAL_SIZE",
                                       "MPI_LOCALNRANKS"};

const char *systemEnv(const char *name) { return std::getenv(name); }

} // namespace

const char *mpiLauncher(const EnvLookup &env) {
  for (const Launcher &launcher : kLaunchers) {
    bool all = true;
    for (const char *variable : launcher.variables)
      if (variable && !env(variable))
        all = false;
    if (all)
      return launcher.name;
  }
  return nullptr;
}

const char *mpiLauncher() { return mpiLauncher(systemEnv); }

int localProcesses(const EnvLookup &env) {
  for (const char *variable : kLocalSizes)
    if (const char *text = env(variable)) {
      char *end = nullptr;
      long n = std::strtol(text, &end, 10);
      if (end != text && *end == '\0' && n >= 1 && n <= 1 << 20)
        return static_cast<int>(n);
    }
  return 1;
}

int localProcesses() { return localProcesses(systemEnv); }

} // namespace braid::runtime

// See OpenMpEnv.h.
#include "OpenMpEnv.h"

#include <cstdlib>
#include <unistd.h>

namespace braidrun {

void preferSleepingWorkers(char **argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT") ||
      std::getenv("BRAID_KEEP_OMP_ENV"))
    return;
  // Set before the exec and kept after it: the second start finds
  // OMP_WAIT_POLICY set and goes on, so this runs at most once.
  if (setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/0) != 0)
    return;
  execv("/proc/self/exe", argv);
  // The exec failed (no /proc): run on with libgomp's default policy.
}

} // namespace braidrun

// How braid-run's OpenMP workers wait between parallel regions when the
// user has not said.
#ifndef BRAID_TOOLS_BRAID_RUN_OPENMPENV_H
#define BRAID_TOOLS_BRAID_RUN_OPENMPENV_H

namespace braidrun {

/// Makes idle OpenMP workers sleep (OMP_WAIT_POLICY=passive) instead of
/// spinning, unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT, or
/// BRAID_KEEP_OMP_ENV. libgomp reads these variables once, when it is
/// loaded, before main runs; so this sets the variable and executes
/// braid-run again (same process id, same arguments). Returns only when it
/// changed nothing, or when the exec failed.
///
/// Why: a training's workers spin after every kernel, waiting for the next
/// one. With two jobs on the cores (two trainings, or a training and a
/// build), the spinning threads take the CPU from the threads with work;
/// bench/concurrent_training.sh measures the cost.
void preferSleepingWorkers(char **argv);

} // namespace braidrun

#endif // BRAID_TOOLS_BRAID_RUN_OPENMPENV_H

// How a process tells that an MPI launcher started it, and how many
// processes share its host, from the environment the launcher sets: the
// names of every launcher's variables are here and nowhere else.
//
//   Open MPI's mpirun/prterun   OMPI_COMM_WORLD_SIZE
//   PMIx (Open MPI 5, srun --mpi=pmix, other PMIx servers)
//                               PMIX_RANK and PMIX_NAMESPACE
//   PMI-1/PMI-2 (MPICH's and Intel MPI's Hydra mpiexec, srun --mpi=pmi2)
//                               PMI_RANK and PMI_SIZE
//
// Slurm's own variables (SLURM_PROCID, SLURM_NTASKS) are not a launch: a
// batch script has them too (SLURM_PROCID=0, SLURM_NTASKS of the whole
// allocation) while it runs as one process, and srun gives an MPI program
// its PMI or PMIx variables when it starts it with an MPI plugin.
#ifndef BRAID_RUNTIME_SUPPORT_LAUNCHENV_H
#define BRAID_RUNTIME_SUPPORT_LAUNCHENV_H

#include <functional>

namespace braid::runtime {

/// Reads one environment variable (null when unset); std::getenv by
/// default, a table in tests.
using EnvLookup = std::function<const char *(const char *)>;

/// The launcher whose variables are set ("Open MPI", "PMIx", "PMI"), or
/// null when none is: the process runs alone.
const char *mpiLauncher(const EnvLookup &env);
const char *mpiLauncher();

/// The processes on this host that the launcher started (at least 1): Open
/// MPI's and Hydra's local size, else 1.
int localProcesses(const EnvLookup &env);
int localProcesses();

} // namespace braid::runtime

#endif // BRAID_RUNTIME_SUPPORT_LAUNCHENV_H

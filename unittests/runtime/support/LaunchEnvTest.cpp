// Tests of the launch detection: every MPI launcher's environment is a
// launch, a Slurm batch step's and a plain shell's are not.
#include "runtime/support/LaunchEnv.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace braid::runtime {
namespace {

using Env = std::map<std::string, std::string>;

EnvLookup lookup(const Env &env) {
  return [&env](const char *name) -> const char * {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

const char *launcher(const Env &env) { return mpiLauncher(lookup(env)); }

TEST(LaunchEnv, AloneIsNoLaunch) { EXPECT_EQ(launcher({}), nullptr); }

TEST(LaunchEnv, OpenMpiMpirun) {
  Env env{{"OMPI_COMM_WORLD_SIZE", "4"},
          {"OMPI_COMM_WORLD_RANK", "1"},
          {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}};
  EXPECT_STREQ(launcher(env), "Open MPI");
  EXPECT_EQ(localProcesses(lookup(env)), 2);
}

TEST(LaunchEnv, PmixServer) {
  // Open MPI 5's prterun and srun --mpi=pmix set these.
  Env env{{"PMIX_RANK", "3"}, {"PMIX_NAMESPACE", "slurm.pmix.42.0"}};
  EXPECT_STREQ(launcher(env), "PMIx");
  EXPECT_EQ(localProcesses(lookup(env)), 1);
}

TEST(LaunchEnv, PmixNeedsItsNamespace) {
  EXPECT_EQ(launcher({{"PMIX_RANK", "0"}}), nullptr);
}

TEST(LaunchEnv, HydraMpiexec) {
  // MPICH's and Intel MPI's mpiexec (Hydra, PMI-1).
  Env env{{"PMI_RANK", "0"},
          {"PMI_SIZE", "4"},
          {"PMI_FD", "7"},
          {"MPI_LOCALNRANKS", "2"}};
  EXPECT_STREQ(launcher(env), "PMI");
  EXPECT_EQ(localProcesses(lookup(env)), 2);
}

TEST(LaunchEnv, SrunWithPmi2) {
  Env env{{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_STEP_ID", "0"},
          {"PMI_RANK", "1"},     {"PMI_SIZE", "2"},     {"PMI_JOBID", "42.0"},
          {"PMI_FD", "5"}};
  EXPECT_STREQ(launcher(env), "PMI");
}

TEST(LaunchEnv, SlurmBatchStepIsNoLaunch) {
  // The batch script of `sbatch -n 8`: one process with the allocation's
  // task count, which must train alone (or start mpirun/srun itself).
  Env env{{"SLURM_JOB_ID", "42"},
          {"SLURM_PROCID", "0"},
          {"SLURM_NTASKS", "8"},
          {"SLURM_NPROCS", "8"},
          {"SLURM_LOCALID", "0"}};
  EXPECT_EQ(launcher(env), nullptr);
  EXPECT_EQ(localProcesses(lookup(env)), 1);
}

TEST(LaunchEnv, PmiNeedsItsSize) {
  EXPECT_EQ(launcher({{"PMI_RANK", "0"}}), nullptr);
}

TEST(LaunchEnv, MalformedLocalSizeCountsOne) {
  EXPECT_EQ(localProcesses(lookup({{"OMPI_COMM_WORLD_LOCAL_SIZE", "two"}})), 1);
  EXPECT_EQ(localProcesses(lookup({{"OMPI_COMM_WORLD_LOCAL_SIZE", "0"}})), 1);
}

} // namespace
} // namespace braid::runtime

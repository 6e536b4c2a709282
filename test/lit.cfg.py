# lit configuration for Braid's FileCheck tests. CMake writes lit.site.cfg.py
# into the build tree with the paths below, then loads this file.
import os
import platform
import subprocess

import lit.formats

# The build's paths come from the lit.site.cfg.py that CMake writes; ctest
# passes it as --param braid_site=..., and by hand it defaults to the test
# build of the README (build/test).
site = lit_config.params.get(
    "braid_site",
    os.path.join(os.path.dirname(__file__), "..", "build", "test", "test", "lit.site.cfg.py"))
if not os.path.exists(site):
    lit_config.fatal("no lit.site.cfg.py at %s: build first, or pass --param braid_site=PATH" % site)
lit_config.load_config(config, site)

config.name = "Braid"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".braid", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.braid_obj_root, "test")

# oneDNN's highest ISA (ONEDNN_MAX_CPU_ISA: AVX2, AVX512_CORE, ...): the
# suite runs the oneDNN-dependent tests a second time held to AVX2, so the
# AVX2 code path is tested on AVX-512 machines too. A user's own setting is
# passed through when no parameter overrides it.
onednn_isa = lit_config.params.get("onednn_max_cpu_isa", os.environ.get("ONEDNN_MAX_CPU_ISA"))
if onednn_isa:
    config.environment["ONEDNN_MAX_CPU_ISA"] = onednn_isa

# Some machines set OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) because
# OpenBLAS's own detection picks a kernel that is wrong for their CPU; lit
# passes only a few variables by default, so these go through too. Setting
# OPENBLAS_CORETYPE=Haswell also runs the suite on the AVX2 kernels an
# AVX-512 machine would not pick.
for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    if name in os.environ:
        config.environment[name] = os.environ[name]

# Braid's tools first, then LLVM's FileCheck, not and split-file.
path = [config.braid_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")]
config.environment["PATH"] = os.pathsep.join(path)
config.substitutions.append(("%braid_src", config.braid_src_root))
# Debian's python3, which has numpy (python3-numpy); not whatever python3 is
# first on PATH.
config.substitutions.append(("%python", "/usr/bin/python3"))

# The test build is sanitized: fail on the first report, including leaks.
# abort_on_error=1: a report must abort (a signal, which `not` fails on),
# never exit 1 like a model with errors. allow_user_poisoning=0: LLVM's
# BumpPtrAllocator poisons slabs in our instrumented objects but not inside
# the uninstrumented libMLIR.so, so MLIR's use of a slab that our code started
# reads as use-after-poison; a false report (see scripts/test.sh).
config.environment["ASAN_OPTIONS"] = (
    "detect_leaks=1:halt_on_error=1:abort_on_error=1:allow_user_poisoning=0")
config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:abort_on_error=1"
# Processes under mpirun run without LeakSanitizer: Open MPI's components
# leave allocations behind when MPI_Finalize unloads them, reported from an
# unknown module that no suppression can name. Every other check stays.
config.substitutions.append(
    ("%mpi_env", "env ASAN_OPTIONS=" +
     config.environment["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")))
config.substitutions.append(("%braid_lib", config.braid_lib_dir))
# A program linked against the sanitized runtime library must carry the
# sanitizer runtime itself.
config.substitutions.append(
    ("%sanitize_flags", "-fsanitize=" + config.braid_sanitize if config.braid_sanitize else ""))
if config.braid_sanitize:
    config.available_features.add("sanitized")
# Tests of x86-64's own state (MXCSR) say REQUIRES: x86_64.
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64")


# mpirun refuses to run as root (CI runs as root) unless told twice; the
# data-parallel tests start more ranks than this machine has cores.
config.environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
config.environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"

# Simulated hosts (test/hosts/simhosts.sh): network namespaces joined by
# veth links, which need root. Where they cannot be made, the tests that
# REQUIRE simhosts report UNSUPPORTED, and this note says why.
simhosts = os.path.join(os.path.dirname(__file__), "hosts", "simhosts.sh")
config.substitutions.append(("%simhosts", simhosts))
try:
    probe = subprocess.run([simhosts, "check"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
    simhosts_reason = probe.stdout.decode(errors="replace").strip()
    simhosts_ok = probe.returncode == 0
except (OSError, subprocess.TimeoutExpired) as e:
    simhosts_ok, simhosts_reason = False, str(e)
if simhosts_ok:
    config.available_features.add("simhosts")
else:
    lit_config.note("the simulated-host tests (test/hosts) are UNSUPPORTED: " +
                    (simhosts_reason or "simhosts.sh check failed"))

# Installing the build tree and building against the install (test/examples/).
config.substitutions.append(("%braid_build", config.braid_obj_root))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%make_program", config.make_program))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%cxx", config.cxx_compiler))

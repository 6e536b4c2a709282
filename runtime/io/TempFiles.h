// TempFiles: the temporary files behind atomic writes: their names, the
// registry of those in flight (removed when a signal ends the process) and
// the removal of those a killed process left behind.
#ifndef BRAID_RUNTIME_IO_TEMPFILES_H
#define BRAID_RUNTIME_IO_TEMPFILES_H

#include <string>

namespace braid::runtime::io {

/// Unlinks every temporary file an atomic write of this process has created
/// and not yet renamed or removed. Async-signal-safe (it calls only unlink
/// and reads lock-free slots), so a signal handler may call it before it ends
/// the process; the writes it interrupts then fail or leave no file.
///
/// Each atomic write of a regular file installs a handler of its own for
/// SIGINT, SIGTERM and SIGHUP, each only while that signal's action is the
/// default (SIG_DFL):
/// the handler calls this function, then ends the process with the signal's
/// default action. A program that handles these signals itself keeps its
/// handler, and calls this function from it before the process ends.
void removeInFlightTempFiles();

namespace detail {

/// A temporary name for a write of `base` into `dir`, unique in the process
/// and across processes: "DIR/.BASE.tmp.PID.N.XXXXXXXX" (BASE cut to 160
/// bytes, N a process-wide counter, XXXXXXXX eight hex digits of the clock).
std::string temporaryName(const std::string &dir, const std::string &base);

/// Records `path` as in flight (before it is created) so that
/// removeInFlightTempFiles unlinks it; returns the slot to release, or -1
/// when every slot is taken (the file is then not removed on a signal).
/// Installs the signal handlers where the signals' actions are the default.
int registerInFlight(const std::string &path);

/// Forgets the slot `registerInFlight` returned (after the file was renamed
/// or removed); -1 is ignored.
void releaseInFlight(int slot);

/// Removes the temporary files of earlier writes of `base` into `dir` whose
/// process has ended (kill(pid, 0) fails with ESRCH): only regular files
/// whose names match temporaryName's pattern for this `base` exactly, never
/// this process's own. Best effort: errors are ignored. PIDs are compared in
/// this PID namespace only, so a directory shared with other hosts (NFS) or
/// containers may lose their file in flight; its writer then reports the
/// failed rename.
void removeStaleTempFiles(const std::string &dir, const std::string &base);

/// Called with the temporary file's path right after it is created, before
/// any byte is written; tests use it to interrupt a write at that point.
using WriteHook = void (*)(const char *temporaryPath);
void setWriteHookForTesting(WriteHook hook);
WriteHook writeHookForTesting();

} // namespace detail
} // namespace braid::runtime::io

#endif // BRAID_RUNTIME_IO_TEMPFILES_H

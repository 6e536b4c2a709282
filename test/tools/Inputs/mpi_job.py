"""What the fault and signal tests ask of a running braid-run job: how many
steps rank 0 has logged, and which process is a given rank."""
import os
import time


def logged_steps(metrics):
    """The step records in the metrics file `metrics` so far (0 before it
    exists)."""
    try:
        with open(metrics) as f:
            return sum(1 for line in f if '"step"' in line)
    except OSError:
        return 0


def wait_for_steps(metrics, steps, job, deadline):
    """Waits until rank 0 has logged `steps` steps, `job` ended or the time
    `deadline` passed; returns the steps logged. Every rank is past start-up
    once rank 0 has finished steps: each step's all-reduce needs them all."""
    logged = logged_steps(metrics)
    while logged < steps and job.poll() is None and time.time() < deadline:
        time.sleep(0.1)
        logged = logged_steps(metrics)
    return logged


def rank_pid(job, rank):
    """The pid of braid-run rank `rank` of the mpirun `job` (started with
    start_new_session), from /proc, or None."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                env = f.read().split(b"\0")
            # Not /proc/PID/comm: braid-run execs /proc/self/exe at start.
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmd = f.read().split(b"\0")
            if (os.path.basename(cmd[0]) == b"braid-run" and
                    b"OMPI_COMM_WORLD_RANK=%d" % rank in env and
                    os.getsid(int(entry)) == os.getsid(job.pid)):
                return int(entry)
        except OSError:
            continue
    return None

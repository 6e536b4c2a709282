"""Trains on simulated hosts of one rank each (simhosts.sh) and takes the
last host away once training runs:

- link: its veth link is set down (the host and its ranks live on, cut off);
- kill: its ranks are killed (SIGKILL).

Then waits for the ranks on the other hosts to end, and prints for
FileCheck how long they took after the host was lost, then the job's
output. mpirun itself may stay behind (it waits for the lost host's daemon);
the hosts are torn down in any case.

  lose_host.py SIMHOSTS link|kill HOSTS DEADLINE PLAN [braid-run train options...]

Exits nonzero when the ranks on the other hosts still run DEADLINE seconds
after the host was lost, or when training never started.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "Inputs"))
from mpi_job import wait_for_steps  # noqa: E402

simhosts, mode, hosts, deadline, plan = sys.argv[1:6]
hosts, deadline, extra = int(hosts), float(deadline), sys.argv[6:]
lost = hosts  # mpirun runs on host 1; the last host is the one lost

metrics_dir = tempfile.mkdtemp(prefix="lose_host.")
metrics = os.path.join(metrics_dir, "steps.jsonl")
run_dir = subprocess.run([simhosts, "up", "--hosts", str(hosts)], check=True,
                         stdout=subprocess.PIPE).stdout.decode().strip()
with open(os.path.join(run_dir, "id")) as f:
    run_id = f.read().strip()


def ranks_on(host):
    """The pids of braid-run processes in host `host`'s namespace."""
    out = subprocess.run(["ip", "netns", "pids", "%sh%d" % (run_id, host)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    pids = []
    for pid in out.stdout.decode().split():
        try:
            # Not /proc/PID/comm: braid-run execs /proc/self/exe at start.
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if os.path.basename(f.read().split(b"\0")[0]) == b"braid-run":
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


job = None
status = 1
try:
    # Open MPI 4.1 ends a job whose rank died host by host: SIGCONT to its
    # ranks there, odls_base_sigkill_timeout seconds (1 by default), SIGTERM,
    # as long again, SIGKILL. 5 leaves the survivors the time to give up
    # their waits on the SIGTERM (2 s) and say where they were.
    grace = ["--mca", "odls_base_sigkill_timeout", "5"] if mode == "kill" else []
    command = [simhosts, "mpirun", run_dir, "-np", str(hosts), "--map-by", "ppr:1:node"] + grace + [
               "braid-run", "train", plan, "--threads", "1", "--metrics", metrics] + extra
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           start_new_session=True)
    steps = wait_for_steps(metrics, 5, job, time.time() + 120)
    if steps < 5:
        print("the job logged %d steps before the deadline" % steps)
        sys.exit(1)
    if mode == "link":
        subprocess.run([simhosts, "link", run_dir, str(lost), "down"], check=True)
    else:
        for pid in ranks_on(lost):
            os.kill(pid, signal.SIGKILL)
    struck = time.time()
    survivors = [h for h in range(1, hosts) if ranks_on(h)]
    if len(survivors) != hosts - 1:
        print("ranks were missing on hosts %s before the host was lost" %
              sorted(set(range(1, hosts)) - set(survivors)))
        sys.exit(1)
    while time.time() < struck + deadline and any(ranks_on(h) for h in survivors):
        time.sleep(0.1)
    took = time.time() - struck
    ended = not any(ranks_on(h) for h in survivors)
    # mpirun gets a moment to print what it heard; then the hosts go down.
    try:
        job.wait(timeout=3)
    except subprocess.TimeoutExpired:
        pass
    what = "link went down" if mode == "link" else "ranks were killed"
    if ended:
        print("the ranks on the other %d hosts ended within %g s after host %d's %s" %
              (len(survivors), deadline, lost, what))
        status = 0
    else:
        print("ranks on the other hosts still run %.0f s after host %d's %s" %
              (took, lost, what))
finally:
    subprocess.run([simhosts, "down", run_dir])
    if job is not None:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
        output, _ = job.communicate()
        # Progress lines end in carriage returns.
        sys.stdout.write(output.decode(errors="replace").replace("\r", "\n"))
    for name in os.listdir(metrics_dir):
        os.remove(os.path.join(metrics_dir, name))
    os.rmdir(metrics_dir)
sys.exit(status)

"""Starts a 2-rank data-parallel training under mpirun and strikes rank 1
after its first steps:

- kill: it dies (SIGKILL);
- stop: it stops answering (SIGSTOP, never resumed);
- pause: it stops for 4 s (SIGSTOP, then SIGCONT), a straggler.

After kill and stop, checks that the job ends with a nonzero status and a
clear error well within 60 seconds instead of hanging. After pause, checks
that the job completes and that its report of waits shows rank 0 waiting
for rank 1 at least 3 s.

  strike_rank.py kill|stop|pause PLAN [braid-run train options...]

STRIKE_RANKS=N in the environment starts N ranks (default 2) and strikes
the last one, rank N - 1.

Rank 1 is struck only once rank 0 has logged training steps to a metrics
file of this script's own: a fixed sleep struck it during start-up on a
loaded machine, where the parameter broadcast, not a training step, was the
collective left waiting.

Prints what happened for FileCheck; the job's output follows.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpi_job import rank_pid, wait_for_steps  # noqa: E402

mode, plan, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
metrics_dir = tempfile.mkdtemp(prefix="strike_rank.")
metrics = os.path.join(metrics_dir, "steps.jsonl")
ranks = int(os.environ.get("STRIKE_RANKS", "2"))
victim_rank = ranks - 1
command = ["mpirun", "-np", str(ranks), "--oversubscribe",
           "braid-run", "train", plan, "--threads", "1",
           "--metrics", metrics] + extra
job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       start_new_session=True)


try:
    # Wait for rank 1 to train for a while (its steps need rank 0's).
    deadline = time.time() + 120
    victim = None
    while time.time() < deadline and victim is None and job.poll() is None:
        victim = rank_pid(job, victim_rank)
        time.sleep(0.2)
    if victim is None:
        print("rank %d never started" % victim_rank)
        sys.exit(1)
    steps = wait_for_steps(metrics, 5, job, deadline)
    if steps < 5:
        print("the job logged %d steps before the deadline" % steps)
        sys.exit(1)
    os.kill(victim, signal.SIGKILL if mode == "kill" else signal.SIGSTOP)
    struck = time.time()
    if mode == "pause":
        time.sleep(4)
        os.kill(victim, signal.SIGCONT)
        output, _ = job.communicate(timeout=120)
        text = output.decode(errors="replace")
        # Rank 1 cannot take a step while it is stopped, so rank 0 waits for
        # at least that long. Which rank the report names depends on the
        # rest of the run too: on a loaded machine, both ranks wait for
        # each other for seconds.
        waits = re.search(r"waiting for other ranks: rank 0 ([0-9.]+) s ", text)
        print("job ended after rank 1 was paused, status %s" %
              ("zero" if job.returncode == 0 else "nonzero"))
        ok = waits is not None and float(waits.group(1)) >= 3
        print("rank 0 waited at least 3 s: %s" % ("yes" if ok else "no"))
        report = re.search(r"waiting for other ranks:[^\r\n]*", text)
        print(report.group(0) if report else "no report of the waits")
        sys.stdout.write(text)
        sys.exit(0 if ok and job.returncode == 0 else 1)
    try:
        output, _ = job.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        print("the job still runs 90 s after rank %d was %s" %
              (victim_rank, "killed" if mode == "kill" else "stopped"))
        sys.exit(1)
    took = time.time() - struck
    print("job ended %s 60 s after rank %d was %s, status %s" %
          ("within" if took < 60 else "LATER THAN", victim_rank,
           "killed" if mode == "kill" else "stopped",
           "nonzero" if job.returncode != 0 else "zero"))
    sys.stdout.write(output.decode(errors="replace"))
    sys.exit(0 if took < 60 and job.returncode != 0 else 1)
finally:
    if job.poll() is None:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    for name in os.listdir(metrics_dir):
        os.remove(os.path.join(metrics_dir, name))
    os.rmdir(metrics_dir)

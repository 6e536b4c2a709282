"""Stops a training with a signal, as a scheduler's preemption does, and
checks that its checkpoint resumes to the uninterrupted run's result:

  stop_on_signal.py TERM|INT|KILL|TWICE RANKS PLAN WORKDIR [options...]

Starts `braid-run train PLAN` (under `mpirun -np RANKS` when RANKS > 1)
for many more steps than it will take, waits until rank 0 has logged
steps to a metrics file, and sends the signal to the last rank only. The job must end
within 60 s, every rank alike, with status 128 + the signal, its
checkpoint at the step it stopped at (K). KILL ends it at once: the
checkpoint is then the last that --save-every (which the options must
give) wrote, at a multiple of its count (K). Then a run resumed from that
checkpoint to step K + 50 and an uninterrupted run of K + 50 steps must
write byte-identical checkpoints.

Prints what happened for FileCheck; exits nonzero on any failure.
"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpi_job import rank_pid, wait_for_steps  # noqa: E402

signame, ranks, plan, workdir, extra = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                        sys.argv[4], sys.argv[5:])
twice = signame == "TWICE"
signo = signal.SIGTERM if twice else getattr(signal, "SIG" + signame)
os.makedirs(workdir, exist_ok=True)
launch = ["mpirun", "-np", str(ranks), "--oversubscribe"] if ranks > 1 else []


def train(*options):
    return launch + ["braid-run", "train", plan, "--threads", "1",
                     "--eval-every", "0"] + extra + list(options)


def victim_pid(job, rank):
    """The pid of rank `rank` (the job itself when it runs alone)."""
    return job.pid if ranks == 1 else rank_pid(job, rank)

def position(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    return int(json.loads(data[8:8 + n])["__metadata__"]["braid.train.step"])


stopped_ckpt = os.path.join(workdir, "stopped.ckpt")
metrics = os.path.join(workdir, "stopped.jsonl")
if os.path.exists(metrics):
    os.remove(metrics)
job = subprocess.Popen(train("--epochs", "1000", "--save", stopped_ckpt,
                             "--metrics", metrics),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       start_new_session=True)
try:
    wait_for_steps(metrics, 5, job, time.time() + 120)
    victim = victim_pid(job, ranks - 1)
    if victim is None or job.poll() is not None:
        print("the job was not training when it was to be signalled")
        sys.exit(1)
    if twice:
        # Rank 0 stopped, rank 1 cannot finish its step: the first SIGTERM
        # only asks it to stop at a boundary it cannot reach, the second
        # ends it.
        def running(pid):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    return f.read().split()[2] not in "ZX"
            except OSError:
                return False
        first = victim_pid(job, 0)
        os.kill(first, signal.SIGSTOP)
        os.kill(victim, signo)
        # Well within the 2 s its wait goes on after a request to stop
        # (runtime/comm/Poller.h).
        time.sleep(0.3)
        alive = running(victim)
        os.kill(victim, signo)
        deadline = time.time() + 10
        while time.time() < deadline and running(victim):
            time.sleep(0.1)
        ended = not running(victim)
        os.kill(first, signal.SIGCONT)
        output, _ = job.communicate(timeout=60)
        print("rank 1 after one SIGTERM, waiting for rank 0: %s; after the "
              "second: %s; job status %s" % (
                  "running" if alive else "GONE",
                  "ended" if ended else "STILL RUNNING",
                  "nonzero" if job.returncode else "ZERO"))
        sys.exit(0 if alive and ended and job.returncode else 1)
    os.kill(victim, signo)
    struck = time.time()
    output, _ = job.communicate(timeout=60)
    took = time.time() - struck
finally:
    if job.poll() is None:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
text = output.decode(errors="replace")
if signo == signal.SIGKILL:
    # Nothing is saved on the way out: the checkpoint is the last of
    # --save-every's.
    every = int(extra[extra.index("--save-every") + 1])
    steps = position(stopped_ckpt) if os.path.exists(stopped_ckpt) else 0
    print("killed: status %d, last periodic checkpoint at a multiple of %d "
          "steps: %s" % (job.returncode, every,
                         "yes" if steps > 0 and steps % every == 0 else "NO (%d)" % steps))
    if job.returncode != -signo or steps <= 0 or steps % every:
        sys.exit(1)
else:
    match = re.search(r"stopped on request after (\d+) steps", text)
    if not match or job.returncode != 128 + signo or took > 60:
        print("the job ended with status %d after %.0f s, not stopped on "
              "request:" % (job.returncode, took))
        sys.stdout.write(text)
        sys.exit(1)
    steps = int(match.group(1))
    saved = position(stopped_ckpt)
    print("rank %d signalled: the job exited with status %d after step %d, "
          "its checkpoint at step %d" % (ranks - 1, job.returncode, steps, saved))
    if saved != steps:
        sys.exit(1)

resumed_ckpt = os.path.join(workdir, "resumed.ckpt")
straight_ckpt = os.path.join(workdir, "straight.ckpt")
target = str(steps + 50)
subprocess.run(train("--max-steps", target, "--init-from", stopped_ckpt,
                     "--save", resumed_ckpt), check=True, stdout=subprocess.DEVNULL)
subprocess.run(train("--max-steps", target, "--save", straight_ckpt),
               check=True, stdout=subprocess.DEVNULL)
with open(resumed_ckpt, "rb") as a, open(straight_ckpt, "rb") as b:
    same = a.read() == b.read()
print("resumed to step K + 50: checkpoint %s the uninterrupted run's"
      % ("identical to" if same else "DIFFERENT FROM"))
sys.exit(0 if same else 1)

"""braid.Trainer and braid.train: the training loop of `braid-run train`
(braid/braid_train.h) driven from Python, its progress as dicts."""

import ctypes
import queue
import threading

from . import _capi
from ._capi import blas_threads, check, encode, lib
from .plan import Plan
from .session import Session

_KINDS = {0: "start", 1: "progress", 2: "epoch_end", 3: "finish", 4: "waits"}
_DONE = object()


def _event_dict(event):
    e = event.contents
    d = {"kind": _KINDS.get(e.kind, str(e.kind)), "epoch": e.epoch, "step": e.step,
         "global_step": e.global_step, "loss": e.loss,
         "samples_per_second": e.samples_per_second,
         "text": (e.text or b"").decode(errors="replace")}
    if e.evaluated:
        d["test_loss"] = e.test_loss
        if e.has_test_accuracy:
            d["test_accuracy"] = e.test_accuracy
    return d


class Trainer(_capi.Handle):
    """A training run over `plan` (a Plan or a plan file): what `braid-run
    train` does, with its options as keywords (docs/python.md).

    data: "fashion-mnist", a directory of IDX files, "x=FILE.npy,y=FILE.npy"
    or a text ("text=FILE"); test_data: the evaluation data (default: the
    test split of `data`). epochs (0: the plan's), max_steps, eval_every,
    init_from, save (the checkpoint written at the end), save_every, metrics
    (a JSON Lines file of per-step and per-epoch metrics), threads, seed
    (initializers and shuffling), in_order, restart_from_weights,
    fresh_optimizer, val_fraction, ieee_denormals, progress_every (steps
    between "progress" events; default 1).

    Iterating a Trainer trains and yields each event as a dict ("kind":
    start, progress, epoch_end, finish or waits; epoch, step, global_step,
    loss: the epoch's mean loss so far, samples_per_second, text, and
    test_loss/test_accuracy when evaluated); leaving the loop early stops
    training at the next step and writes the checkpoint. run() trains to the
    end and returns the events. A trainer runs once.
    """

    _release = "braid_trainer_release"

    def __init__(self, plan, data=None, test_data=None, epochs=0, max_steps=0, eval_every=1,
                 init_from=None, save=None, save_every=0, metrics=None, threads=None, seed=0,
                 in_order=False, restart_from_weights=False, fresh_optimizer=False,
                 val_fraction=0.1, ieee_denormals=False, progress_every=1):
        self.plan = plan if isinstance(plan, Plan) else Plan(plan)
        self.events = []
        self._sink = self.events.append
        options = _capi.TrainerOptions()
        # braid_trainer_create copies the strings.
        strings = dict(data=data, test_data=test_data, init_from=init_from, save_path=save,
                       metrics_path=metrics)
        for field, value in strings.items():
            setattr(options, field, encode(value))
        options.epochs = epochs
        options.max_steps = max_steps
        options.eval_every = eval_every
        options.save_every = save_every
        options.session.threads = threads or 0
        options.session.seed = seed
        options.session.ieee_denormals = 1 if ieee_denormals else 0
        options.in_order = 1 if in_order else 0
        options.restart_from_weights = 1 if restart_from_weights else 0
        options.fresh_optimizer = 1 if fresh_optimizer else 0
        options.val_fraction = val_fraction
        options.progress_every = progress_every
        # Kept alive as long as the trainer, which may call it.
        self._callback = _capi.TRAIN_EVENT_FN(lambda event, _: self._sink(_event_dict(event)))
        options.on_event = self._callback
        handle = ctypes.c_void_p()
        check(lib.braid_trainer_create(self.plan._handle, ctypes.byref(options),
                                       ctypes.byref(handle)))
        self._handle = handle
        self._threads = self.session.threads

    def _run(self):
        with blas_threads(self._threads):
            check(lib.braid_trainer_run(self._handle))

    def run(self):
        """Trains to the end (or max_steps, or a stop request); returns every
        event as a dict (also in self.events)."""
        self._run()
        return self.events

    def __iter__(self):
        events = queue.Queue()
        self._sink = lambda e: (self.events.append(e), events.put(e))
        outcome = {}

        def work():
            try:
                self._run()
            except BaseException as e:  # re-raised in the iterating thread
                outcome["error"] = e
            finally:
                events.put(_DONE)

        worker = threading.Thread(target=work, name="braid-trainer", daemon=True)
        worker.start()
        try:
            while True:
                event = events.get()
                if event is _DONE:
                    break
                yield event
        finally:
            if worker.is_alive():  # the loop was left early
                self.request_stop()
                worker.join()
        if "error" in outcome:
            raise outcome["error"]

    @property
    def epochs(self):
        """The epoch_end events so far."""
        return [e for e in self.events if e["kind"] == "epoch_end"]

    def request_stop(self):
        """Stops the run at the next step boundary (it writes its checkpoint);
        callable from any thread."""
        lib.braid_trainer_request_stop(self._handle)

    @property
    def stopped(self):
        """True when the run ended on a stop request."""
        return bool(lib.braid_trainer_stopped(self._handle))

    def evaluate(self):
        """The current parameters' mean loss (and accuracy) over the whole
        batches of the evaluation data: {"loss", "accuracy" (when the plan
        computes it), "samples", "dataset_samples"}."""
        result = _capi.Evaluation()
        with blas_threads(self._threads):
            check(lib.braid_trainer_evaluate(self._handle, ctypes.byref(result)))
        d = {"loss": result.loss, "samples": result.samples,
             "dataset_samples": result.dataset_samples}
        if result.has_accuracy:
            d["accuracy"] = result.accuracy
        return d

    @property
    def session(self):
        """The trainer's Session (its trained parameters), e.g. to predict."""
        handle = ctypes.c_void_p()
        check(lib.braid_trainer_session(self._handle, ctypes.byref(handle)))
        return Session(self.plan, _handle=handle)


def train(plan, data, **options):
    """Trains `plan` (a Plan or a plan file) on `data` with the Trainer's
    options (epochs=, seed=, save=, metrics=, ...) and returns the Trainer,
    run: its .events, .epochs, .session and .evaluate()."""
    trainer = Trainer(plan, data=data, **options)
    trainer.run()
    return trainer

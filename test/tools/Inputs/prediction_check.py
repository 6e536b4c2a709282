"""The write/check harness of the forward-agreement tests of single ops
(exp.test, math.test, gelu.test): `write` saves a model's weights and inputs
for braid-run predict, `check` compares its predictions with a float64
reference within 1e-5 relative (|a - b| / max(1, |b|))."""
import numpy as np

from reference_model import write_safetensors

SAMPLES = 20  # not a multiple of the plans' batch of 8: the last is padded
TOLERANCE = 1e-5


def write_or_check(action, prefix, net, params, x, reference, peer):
    """`reference(params, x)` gives the expected float64 predictions; `net`
    and `peer` name the model and the reference's library in the output."""
    if action == "write":
        write_safetensors(prefix + ".safetensors", params)
        np.save(prefix + ".x.npy", x)
        return 0
    y = np.load(prefix + ".y.npy")
    ref = reference(params, x)
    if y.shape != ref.shape or y.dtype != np.float32:
        print("shape/dtype mismatch: braid %s %s, %s %s" % (y.shape, y.dtype, peer, ref.shape))
        return 1
    rel = np.abs(y - ref) / np.maximum(1.0, np.abs(ref))
    print("%s: max relative difference %.3g (tolerance %g) over %d values"
          % (net, rel.max(), TOLERANCE, ref.size))
    return 0 if rel.max() <= TOLERANCE else 1


def sgd_step_difference(trained, params):
    """The largest |trained - (p - p.grad)| / max(1, |p - p.grad|) over the
    torch tensors `params`: the parameters after one SGD step of rate 1
    against braid's checkpoint `trained` (a dict of arrays). A NaN is the
    worst (Python's max would drop it)."""
    worst = 0.0
    for name, value in params.items():
        ref = (value - value.grad).detach().numpy()
        d = float(np.max(np.abs(trained[name] - ref) / np.maximum(1.0, np.abs(ref))))
        if np.isnan(d) or d > worst:
            worst = d
    return worst

"""``skkernel bench``: kernel products timed per backend, as ratios against the numpy
backend measured in the same run (the machines we run on are shared and noisy)."""

import numpy as np

from .._accel import backend_status, check_backend_name
from .._operator import KernelOperator
from ..utils.benchmarking import time_product


def compare_backends(
    n=20000, dims=(3, 50), dtypes=("float64", "float32"), backends=None, repeat=3, seed=0
):
    """Time Gaussian ``K(X, X) @ v`` on each available backend.

    Returns a list of dicts with keys backend, d, dtype, seconds and speedup (numpy
    backend's time over this backend's, measured in the same run; NaN without numpy).
    Every backend is checked before anything is timed.
    """
    status = backend_status()
    if backends is None:
        backends = [b for b in ("numpy", "numba", "keops") if status[b] is None]
    for name in backends:
        if check_backend_name(name) != "auto" and status[name] is not None:
            raise ValueError(f"Backend {name!r} cannot run here: {status[name]}.")
    rng = np.random.default_rng(seed)
    rows = []
    for d in dims:
        for dtype in dtypes:
            X = rng.normal(size=(n, d)).astype(dtype)
            v = rng.normal(size=n).astype(dtype)
            times = {b: time_product(b, X, v, repeat=repeat) for b in backends}
            base = times.get("numpy")
            for b, seconds in times.items():
                if b == "auto":
                    # Which backend "auto" ran, as the table would not say otherwise.
                    b = f"auto ({KernelOperator('rbf', X[:2], backend='auto').backend})"
                rows.append(
                    {
                        "backend": b,
                        "d": d,
                        "dtype": dtype,
                        "seconds": seconds,
                        "speedup": base / seconds if base else float("nan"),
                    }
                )
    return rows


def speedup_note(backends):
    """The line under the table that says what its speedup column is (NaN where
    the baseline, the numpy backend, was not timed)."""
    if backends is None or "numpy" in backends:
        return "speedup: blocked numpy time / backend time, same run"
    return "speedup: n/a (add numpy to --backend: it is the baseline)"

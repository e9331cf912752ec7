"""Timing and peak-memory measurement of kernel products, for the command line and
the benchmark scripts. Timings are reported as ratios against the numpy backend
measured in the same run, because the machines we run on are shared and noisy."""

import ctypes
import functools
import time

import numpy as np

from ._accel import backend_status
from ._operator import KernelOperator
from .kernels import RBF

_CLEAR_REFS = "/proc/self/clear_refs"
_STATUS = "/proc/self/status"


def reset_peak_rss():
    """Reset this process's peak resident memory (Linux); False where unsupported."""
    try:
        with open(_CLEAR_REFS, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_bytes(field):
    try:
        with open(_STATUS) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_rss_bytes():
    """Peak resident memory of this process since start or the last reset (Linux)."""
    return _status_bytes("VmHWM:")


def rss_bytes():
    """Resident memory of this process now (Linux)."""
    return _status_bytes("VmRSS:")


_M_MMAP_THRESHOLD = -3  # glibc mallopt parameter


@functools.cache
def _return_large_frees_to_the_os():
    """Make glibc serve every allocation above 128 kB with its own mapping.

    By default glibc raises its mmap threshold after a large block is freed, so the
    next arrays of that size come from the heap, which stays resident: a later
    measurement would then see memory already counted. Fixing the threshold keeps
    the measurements of successive fits in one process independent.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
        return libc
    except (OSError, AttributeError):
        return None


def measure_peak_increase(function):
    """Run ``function()``; return its result and the peak resident memory it added
    over what was resident before, in bytes (None where /proc is unavailable).

    Resident memory, unlike :mod:`tracemalloc`, also sees what LAPACK and BLAS
    allocate outside numpy, which is where dense solvers keep their workspaces.
    """
    libc = _return_large_frees_to_the_os()
    if libc is not None:
        libc.malloc_trim(0)
    reset = reset_peak_rss()
    before = rss_bytes()
    result = function()
    peak = peak_rss_bytes()
    if not reset or before is None or peak is None:
        return result, None
    return result, max(peak - before, 0)


def time_product(backend, X, v, kernel=None, repeat=3):
    """Best wall time of ``K(X, X) @ v`` over ``repeat`` runs after one warm-up
    product on a small slice (which compiles numba and KeOps code)."""
    kernel = kernel or RBF()
    KernelOperator(kernel, X[:64], backend=backend) @ v[:64]
    op = KernelOperator(kernel, X, backend=backend)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        op @ v
        best = min(best, time.perf_counter() - start)
    return best


def compare_backends(
    n=20000, dims=(3, 50), dtypes=("float64", "float32"), backends=None, repeat=3, seed=0
):
    """Time Gaussian ``K(X, X) @ v`` on each available backend.

    Returns a list of dicts with keys backend, d, dtype, seconds and speedup (numpy
    backend's time over this backend's, measured in the same run).
    """
    status = backend_status()
    if backends is None:
        backends = [b for b in ("numpy", "numba", "keops") if status[b] is None]
    rng = np.random.default_rng(seed)
    rows = []
    for d in dims:
        for dtype in dtypes:
            X = rng.normal(size=(n, d)).astype(dtype)
            v = rng.normal(size=n).astype(dtype)
            times = {b: time_product(b, X, v, repeat=repeat) for b in backends}
            base = times.get("numpy")
            for b, seconds in times.items():
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


def format_table(rows, columns):
    """Plain-text table of dicts, for terminals and closing notes."""
    cells = [[_fmt(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)

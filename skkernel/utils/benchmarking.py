"""Measuring fits as the benchmark scripts and ``skkernel demo`` report them.

Peak resident memory (which, unlike :mod:`tracemalloc`, also sees what LAPACK and
BLAS allocate outside numpy) and plain-text tables. Linux only for memory: elsewhere
the functions return None or False.
"""

import argparse
import ctypes
import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from .._memory import read_kib
from .._typing import BackendName, KernelLike, NDArray

__all__ = [
    "benchmark_parser",
    "format_table",
    "measure_peak_increase",
    "peak_rss_bytes",
    "reset_peak_rss",
    "rss_bytes",
    "semi_supervised_split",
    "time_product",
]

_CLEAR_REFS = "/proc/self/clear_refs"
_STATUS = "/proc/self/status"


def benchmark_parser(doc: str) -> argparse.ArgumentParser:
    """The argument parser of a benchmark script.

    Its description is the first paragraph of the script's docstring (not its
    first line, which can stop mid-sentence), and its ``--help`` adds the default
    to every option's help text.

    Parameters
    ----------
    doc : str
        The script's docstring (``__doc__``).

    Returns
    -------
    parser : argparse.ArgumentParser
        Without arguments yet.

    Examples
    --------
    >>> from skkernel.utils.benchmarking import benchmark_parser
    >>> parser = benchmark_parser("Kernel products.\\n\\nDetails.")
    >>> parser.description
    'Kernel products.'
    """
    summary = " ".join(doc.strip().split("\n\n")[0].split())
    return argparse.ArgumentParser(
        description=summary, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )


def reset_peak_rss() -> bool:
    """Reset this process's peak resident memory (Linux).

    Returns
    -------
    reset : bool
        False where the kernel does not support it.

    Examples
    --------
    >>> from skkernel.utils.benchmarking import reset_peak_rss
    >>> reset_peak_rss() in (True, False)
    True
    """
    try:
        with open(_CLEAR_REFS, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int | None:
    """Peak resident memory of this process since start or the last reset (Linux).

    Returns
    -------
    nbytes : int or None
        None where ``/proc`` is unavailable.

    Examples
    --------
    >>> from skkernel.utils.benchmarking import peak_rss_bytes, rss_bytes
    >>> peak, now = peak_rss_bytes(), rss_bytes()
    >>> peak is None or peak >= now
    True
    """
    return read_kib(_STATUS, "VmHWM:")


def rss_bytes() -> int | None:
    """Resident memory of this process now (Linux).

    Returns
    -------
    nbytes : int or None
        None where ``/proc`` is unavailable.

    Examples
    --------
    >>> from skkernel.utils.benchmarking import rss_bytes
    >>> rss_bytes() is None or rss_bytes() > 0
    True
    """
    return read_kib(_STATUS, "VmRSS:")


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


_Result = TypeVar("_Result")


def measure_peak_increase(function: Callable[[], _Result]) -> tuple[_Result, int | None]:
    """Run a function and measure the peak resident memory it added.

    Resident memory, unlike :mod:`tracemalloc`, also sees what LAPACK and BLAS
    allocate outside numpy, which is where dense solvers keep their workspaces.

    Parameters
    ----------
    function : callable
        Called without arguments.

    Returns
    -------
    result : object
        What ``function()`` returned.
    added : int or None
        Peak resident memory over what was resident before, in bytes; None where
        ``/proc`` is unavailable.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.utils.benchmarking import measure_peak_increase
    >>> total, added = measure_peak_increase(lambda: np.ones(10**7).sum())
    >>> float(total), added is None or added > 10**7
    (10000000.0, True)
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


def time_product(
    backend: BackendName,
    X: NDArray[Any],
    v: NDArray[Any],
    kernel: KernelLike | None = None,
    repeat: int = 3,
) -> float:
    """Best wall time of ``K(X, X) @ v`` over ``repeat`` runs.

    One warm-up product on a small slice comes first (it compiles numba and KeOps
    code).

    Parameters
    ----------
    backend : str
        Backend name.
    X : ndarray of shape (n_samples, n_features)
        The data.
    v : ndarray of shape (n_samples,)
        The vector.
    kernel : Kernel or str, default=None
        The kernel; None means ``RBF()``.
    repeat : int, default=3
        Timed products.

    Returns
    -------
    seconds : float
        The best time.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.utils.benchmarking import time_product
    >>> X = np.random.default_rng(0).normal(size=(500, 3))
    >>> time_product("numpy", X, np.ones(500), repeat=1) > 0
    True
    """
    from .. import KernelOperator

    kernel = kernel or "rbf"
    KernelOperator(kernel, X[:64], backend=backend) @ v[:64]
    op = KernelOperator(kernel, X, backend=backend)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        op @ v
        best = min(best, time.perf_counter() - start)
    return best


def semi_supervised_split(
    X: NDArray[Any],
    y: NDArray[Any],
    n_labels: int,
    random_state: int = 0,
    test_size: float = 0.2,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """The semi-supervised protocol: pool/test split, a few labels, the rest unlabelled.

    The split is stratified, the labels are drawn stratified from the pool, the rest
    of the pool is marked -1. Accuracy on the unlabelled pool is transductive, on the
    test rows inductive.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data.
    y : ndarray of shape (n_samples,)
        Integer class labels (none equal to -1).
    n_labels : int
        Labelled rows kept in the pool.
    random_state : int, default=0
        Seed of both draws.
    test_size : float, default=0.2
        Fraction of the rows held out.

    Returns
    -------
    X_pool : ndarray of shape (n_pool, n_features)
        The rows to fit on.
    y_partial : ndarray of shape (n_pool,)
        Their labels, -1 for the unlabelled ones.
    y_pool : ndarray of shape (n_pool,)
        Their true labels.
    X_test : ndarray of shape (n_test, n_features)
        Held-out rows.
    y_test : ndarray of shape (n_test,)
        Their labels.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.utils.benchmarking import semi_supervised_split
    >>> X, y = np.arange(200.0).reshape(100, 2), np.arange(100) % 2
    >>> X_pool, y_partial, y_pool, X_test, y_test = semi_supervised_split(X, y, 10)
    >>> X_pool.shape, int((y_partial != -1).sum()), X_test.shape
    ((80, 2), 10, (20, 2))
    """
    from sklearn.model_selection import train_test_split

    X_pool, X_test, y_pool, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    labeled, _ = train_test_split(
        np.arange(len(y_pool)), train_size=n_labels, stratify=y_pool, random_state=random_state
    )
    y_partial = np.full(len(y_pool), -1, dtype=np.asarray(y).dtype)
    y_partial[labeled] = y_pool[labeled]
    return X_pool, y_partial, y_pool, X_test, y_test


def format_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Plain-text table of dicts, for terminals and closing notes.

    Parameters
    ----------
    rows : list of dict
        One dict per row.
    columns : list of str
        The keys to show, in order.

    Returns
    -------
    table : str
        Left-aligned columns; floats with three significant digits.

    Examples
    --------
    >>> from skkernel.utils.benchmarking import format_table
    >>> print(format_table([{"n": 10, "s": 0.12345}], ["n", "s"]))
    n   s
    10  0.123
    >>> print(format_table([], ["n", "s"]))  # no rows: the header
    n  s
    """
    cells = [[_fmt(row[c]) for c in columns] for row in rows]
    # A list for max: with no rows (every case failed) the header alone is the table.
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)

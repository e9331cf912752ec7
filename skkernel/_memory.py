"""How much memory is free, and clear errors before allocating what cannot fit.

Dense solvers (exact kernel ridge, its leave-one-out path) need an n x n matrix.
Allocating one that does not fit would swap the machine to a halt or get the process
killed without a word; we check first and say what to use instead.
"""

import os

import numpy as np

_MEMINFO = "/proc/meminfo"


def available_memory_bytes():
    """Memory the process can still allocate without swapping, in bytes.

    Linux's ``MemAvailable`` (free memory plus reclaimable caches); elsewhere the
    free physical pages reported by ``os.sysconf``; ``None`` if neither is known.
    """
    try:
        with open(_MEMINFO) as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def dense_nbytes(n_rows, n_cols, dtype):
    """Bytes taken by a dense ``n_rows x n_cols`` array of ``dtype``."""
    return int(n_rows) * int(n_cols) * np.dtype(dtype).itemsize


def fits_in_memory(nbytes, fraction=0.5):
    """Whether ``nbytes`` fits in ``fraction`` of the available memory.

    The rest is left for the data, BLAS workspaces and everything else running; where
    the available memory is unknown, the answer is yes.
    """
    available = available_memory_bytes()
    return available is None or nbytes <= fraction * available


def check_dense_fits(n_rows, n_cols, dtype, *, what, instead):
    """Raise MemoryError, before allocating, if a dense matrix cannot fit in memory.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape of the matrix about to be allocated.
    dtype : dtype
        Its dtype.
    what : str
        What the matrix is for, for the message (e.g. "solver='cholesky'").
    instead : str
        What the user can do instead, for the message.
    """
    nbytes = dense_nbytes(n_rows, n_cols, dtype)
    available = available_memory_bytes()
    if available is not None and nbytes > available:
        raise MemoryError(
            f"{what} needs a dense {n_rows} x {n_cols} {np.dtype(dtype).name} kernel "
            f"matrix, {format_bytes(nbytes)}, but only {format_bytes(available)} of "
            f"memory is available. {instead}"
        )


def format_bytes(nbytes):
    """Human-readable size: 1.5 GB, 320 MB, ..."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} B"

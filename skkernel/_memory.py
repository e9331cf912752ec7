"""How much memory this process may still take, and clear errors before allocating
what cannot fit.

Dense solvers (exact kernel ridge, its leave-one-out path) need n x n matrices.
Allocating one that does not fit would swap the machine to a halt, get the process
killed without a word, or fail deep inside numpy; we check first and say what to use
instead. "Fits" means within every limit that applies to the process: the memory the
system has available, the address-space and data limits (``ulimit -v``, ``ulimit
-d``) and the memory limit of its cgroup (containers, batch schedulers).
"""

import os

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils._chunking import get_chunk_n_rows

_MEMINFO = "/proc/meminfo"
_STATUS = "/proc/self/status"
_CGROUP = "/proc/self/cgroup"
_CGROUP_ROOT = "/sys/fs/cgroup"


def read_kib(path, field):
    """A ``Field:   123 kB`` line of a /proc file, in bytes; None if absent."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_int(path):
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    try:
        return None if text in ("", "max") else int(text)
    except ValueError:  # a file this reader does not know: no limit known, not a crash
        return None


def _system_available():
    """Linux's ``MemAvailable`` (free memory plus reclaimable caches); elsewhere the
    free physical pages reported by ``os.sysconf``."""
    available = read_kib(_MEMINFO, "MemAvailable:")
    if available is not None:
        return available
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _rlimit_headroom():
    """What the address-space and data limits still allow, or None without limits."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    headrooms = []
    for limit, field in ((resource.RLIMIT_AS, "VmSize:"), (resource.RLIMIT_DATA, "VmData:")):
        soft, _ = resource.getrlimit(limit)
        if soft == resource.RLIM_INFINITY:
            continue  # the usage is read only under a limit: each read opens a file
        used = read_kib(_STATUS, field)
        if used is not None:
            headrooms.append(max(soft - used, 0))
    return min(headrooms) if headrooms else None


def _cgroup_headroom():
    """Limit minus usage of this process's memory cgroup (v2, or v1), or None.

    The smallest over the cgroup and its ancestors: a limit is often set on a
    parent (a Slurm job or a systemd slice over the step's own group, which says
    "max"). A container without its own cgroup namespace lists a path that does not
    exist inside it, while its limit sits at the mount's root; the walk up reaches
    that too.
    """
    try:
        with open(_CGROUP) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    headrooms = []
    for line in lines:
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0":  # cgroup v2: one unified hierarchy
            root, limit_file, usage_file = _CGROUP_ROOT, "memory.max", "memory.current"
        elif "memory" in controllers.split(","):
            root = os.path.join(_CGROUP_ROOT, "memory")
            limit_file, usage_file = "memory.limit_in_bytes", "memory.usage_in_bytes"
        else:
            continue
        parts = [part for part in path.split("/") if part]
        for depth in range(len(parts), -1, -1):
            base = os.path.join(root, *parts[:depth])
            limit = _read_int(os.path.join(base, limit_file))
            if limit is None or limit >= 2**60:  # v1 writes "unlimited" as ~2^63
                continue
            usage = _read_int(os.path.join(base, usage_file))
            if usage is not None:
                headrooms.append(max(limit - usage, 0))
    return min(headrooms) if headrooms else None


def available_memory_bytes():
    """Memory the process can still allocate without swapping or being refused, in bytes.

    The smallest of: the system's available memory, the headroom of the process's
    address-space and data limits, and the headroom of its memory cgroup; None if
    none is known.
    """
    # A headroom of 0 is a limit reached, not an unknown one.
    limits = (_system_available(), _rlimit_headroom(), _cgroup_headroom())
    known = [m for m in limits if m is not None]
    return min(known) if known else None


def dense_nbytes(n_rows, n_cols, dtype, count=1):
    """Bytes taken by ``count`` dense ``n_rows x n_cols`` arrays of ``dtype``."""
    return int(count) * int(n_rows) * int(n_cols) * np.dtype(dtype).itemsize


def fits_in_memory(nbytes, fraction=0.5):
    """Whether ``nbytes`` fits in ``fraction`` of the available memory.

    The rest is left for the data, BLAS workspaces and everything else running; where
    the available memory is unknown, the answer is yes.
    """
    available = available_memory_bytes()
    return available is None or nbytes <= fraction * available


def check_dense_fits(n_rows, n_cols, dtype, *, what, instead, count=1, workspace=0):
    """Raise MemoryError, before allocating, if dense matrices cannot fit in memory.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape of each matrix about to be allocated.
    dtype : dtype
        Their dtype.
    what : str
        What the matrices are for, for the message (e.g. "solver='cholesky'").
    instead : str
        What the user can do instead, for the message.
    count : int, default=1
        How many such matrices are alive at once.
    workspace : int, default=0
        Bytes of temporaries allocated beside them (a factorisation's panels).
    """
    nbytes = dense_nbytes(n_rows, n_cols, dtype, count) + int(workspace)
    available = available_memory_bytes()
    if available is not None and nbytes > available:
        arrays = (
            f"{count} dense {n_rows} x {n_cols}" if count > 1 else f"a dense {n_rows} x {n_cols}"
        )
        extra = f" and {format_bytes(workspace)} of workspace" if workspace else ""
        raise MemoryError(
            f"{what} needs {arrays} {np.dtype(dtype).name} matri{'ces' if count > 1 else 'x'}"
            f"{extra}, {format_bytes(nbytes)}, but only {format_bytes(available)} of memory is "
            f"available to this process. {instead}"
        )


def format_bytes(nbytes):
    """Human-readable size: 1.5 GB, 320 MB, ..."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} B"


def row_batches(n_rows, row_bytes, max_rows=None):
    """Slices of ``range(n_rows)`` whose rows, ``row_bytes`` each, fit in
    scikit-learn's ``working_memory`` (at least one row a slice).

    Parameters
    ----------
    n_rows : int
        Rows to cover.
    row_bytes : int
        Bytes one row of the work takes (its temporaries included).
    max_rows : int, default=None
        Most rows a slice, whatever the memory allows.

    Returns
    -------
    batches : generator of slice
    """
    if n_rows == 0:
        return iter(())  # gen_batches refuses n = 0
    step = get_chunk_n_rows(row_bytes=row_bytes, max_n_rows=n_rows)
    return gen_batches(n_rows, step if max_rows is None else min(step, max_rows))

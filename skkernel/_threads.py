"""BLAS threads next to numba's: the two thread pools must not run at once."""

import contextlib
import functools
import threading

from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded_blas"]


@functools.cache
def _blas_controller():
    # Finding the loaded BLAS libraries takes ~4 ms (it reads /proc/self/maps); done
    # once, instead of on every product (Compress++ runs hundreds of small ones).
    return ThreadpoolController()


# BLAS's thread count is one setting for the whole process. Threads that limit it at
# once (predict from a thread pool, GridSearchCV with the threading backend) share one
# limit: the first in sets it, the last out restores what the first saw. Each saving
# and restoring on its own left the process at one thread when their spans overlapped.
_lock = threading.Lock()
_holders = 0
_limit = None


@contextlib.contextmanager
def single_threaded_blas():
    """Context in which BLAS runs on one thread.

    Inside numba's parallel loops every numba thread calls its own GEMM; between them,
    a multi-threaded BLAS call leaves OpenBLAS's threads spinning while the next numba
    pass starts, and the two pools fight over the cores.
    """
    global _holders, _limit
    with _lock:
        if _holders == 0:
            _limit = _blas_controller().limit(limits=1, user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                _limit.restore_original_limits()
                _limit = None

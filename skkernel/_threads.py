"""BLAS threads next to numba's: the two thread pools must not run at once; and
numba's threads only where the work pays for waking them."""

import contextlib
import functools
import os
import threading

import threadpoolctl
from threadpoolctl import ThreadpoolController

__all__ = ["numba_threads_for", "single_threaded_blas"]

#: Parallel loops over fewer kernel entries than this run on the calling thread:
#: about 0.1 ms of work. Kernel thinning computes thousands of such blocks, and on a
#: busy machine (other processes, or GridSearchCV's workers) each parallel region
#: waited for a descheduled worker thread: Compress++ with g = 0 on 4,096 points took
#: 9.5 s on two threads against 0.8 s on one (load 3 on 2 cores).
PARALLEL_MIN_ENTRIES = 1 << 16


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
_forks = 0  # forks this process descends from: a context entered before one is not counted


def _reset_after_fork():
    # A child forked while another thread held the limit (or the lock) inherits the
    # count and a lock no thread of its own will release. It keeps BLAS at the
    # limit it was forked at (one thread: safe), and starts counting afresh.
    global _lock, _holders, _limit, _forks
    _lock = threading.Lock()
    _holders = 0
    _limit = None
    _forks += 1


os.register_at_fork(after_in_child=_reset_after_fork)


def _clear_blas_control(force=False):
    """Give up the role of OpenBLAS's controlling thread (any thread's with ``force``).

    threadpoolctl (from 3.8) lets one thread at a time change the thread count of an
    OpenBLAS whose pool is shared by the process: the first thread that sets it,
    until it gives the role up, as ``with threadpool_limits(...)`` does on exit.
    Our limit is set by the first thread in and restored by the last out, maybe
    another: the role is kept while the limit holds (other threads' limits are then
    ignored, threadpoolctl's rule for overlapping limits), taken over by the last
    out to restore, and given up after. Without this, the restore of another thread
    did nothing (BLAS stayed at one thread), and the first thread kept the role for
    good, so that every later ``threadpool_limits`` of any other thread was ignored.
    """
    openblas = getattr(threadpoolctl, "OpenBLASController", None)
    clear = getattr(openblas, "clear_controlling_thread", None)
    if clear is not None:
        clear(force=force)


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
        entered = _forks
    try:
        yield
    finally:
        with _lock:
            # Not counted if entered before a fork (the forking thread, in the child).
            _holders -= entered == _forks
            if _holders == 0 and _limit is not None:
                _clear_blas_control(force=True)
                _limit.restore_original_limits()
                _limit = None
                _clear_blas_control()


@contextlib.contextmanager
def numba_threads_for(entries):
    """Context in which numba's parallel loops use one thread if ``entries`` (kernel
    values to compute) is below :data:`PARALLEL_MIN_ENTRIES`; its own threads otherwise.

    ``numba.set_num_threads`` is per calling thread, so other threads are unaffected.
    """
    from . import _compile

    # A child forked after GNU OpenMP runs serial twins anyway, and must not touch
    # the OpenMP runtime it inherited.
    if entries >= PARALLEL_MIN_ENTRIES or _compile._forked_after_openmp:
        yield
        return
    from numba import get_num_threads, set_num_threads

    threads = get_num_threads()
    set_num_threads(1)
    try:
        yield
    finally:
        set_num_threads(threads)

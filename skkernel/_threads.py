"""BLAS threads next to numba's: the two thread pools must not run at once."""

import functools

from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded_blas"]


@functools.cache
def _blas_controller():
    # Finding the loaded BLAS libraries takes ~4 ms (it reads /proc/self/maps); done
    # once, instead of on every product (Compress++ runs hundreds of small ones).
    return ThreadpoolController()


def single_threaded_blas():
    """Context in which BLAS runs on one thread.

    Inside numba's parallel loops every numba thread calls its own GEMM; between them,
    a multi-threaded BLAS call leaves OpenBLAS's threads spinning while the next numba
    pass starts, and the two pools fight over the cores.
    """
    return _blas_controller().limit(limits=1, user_api="blas")

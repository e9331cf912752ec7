"""Reference backend: blocked numpy, kernel blocks from the Kernel's own dense code."""

import numpy as np
from sklearn.utils._chunking import get_chunk_n_rows

from ._base import Backend


def row_block_size(n_rows, n_cols, itemsize, n_temporaries=2):
    """Rows per block so that ``n_temporaries`` blocks of ``n_cols`` values fit in
    scikit-learn's ``working_memory``."""
    return get_chunk_n_rows(row_bytes=n_temporaries * n_cols * itemsize, max_n_rows=n_rows)


class NumpyBackend(Backend):
    """Blocked products K(X, Y) @ V, one block of rows of K in memory at a time.

    Blocks are computed by the kernel's numpy reference (for sklearn's kernels,
    sklearn's pairwise functions, which use BLAS for distances), so every kernel,
    including callables and Gaussian-process kernels, runs here. The block height is
    set from ``sklearn.get_config()["working_memory"]``.
    """

    name = "numpy"

    def available(self):
        return None

    def supports(self, spec):
        return True

    def prepare(self, X, spec):
        return X

    def matmat(self, kernel, spec, X, Y, V):
        out = np.empty((X.shape[0], V.shape[1]), dtype=np.result_type(X.dtype, V.dtype))
        step = row_block_size(X.shape[0], Y.shape[0], X.dtype.itemsize)
        for start in range(0, X.shape[0], step):
            block = kernel._compute(X[start : start + step], Y).astype(X.dtype, copy=False)
            np.matmul(block, V, out=out[start : start + step])
        return out

    def normal_matmat(self, kernel, spec, X, Y, V, weights=None):
        # One pass: each block of rows of K is used for K V and then for K^T (K V).
        out = np.zeros((Y.shape[0], V.shape[1]), dtype=np.float64)
        step = row_block_size(X.shape[0], Y.shape[0], X.dtype.itemsize)
        for start in range(0, X.shape[0], step):
            block = kernel._compute(X[start : start + step], Y).astype(X.dtype, copy=False)
            U = block @ V
            if weights is not None:
                U *= weights[start : start + step, None]
            out += block.T @ U
        return out.astype(np.result_type(X.dtype, V.dtype), copy=False)

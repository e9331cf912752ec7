"""Reference backend: blocked numpy, kernel blocks from the kernel's reference code."""

import numpy as np

from ._base import Backend, row_block_size


class NumpyBackend(Backend):
    """Blocked products K(X, Y) @ V, one block of rows of K in memory at a time.

    Blocks are computed by the kernel's reference code (``spec.block``: for
    scikit-learn's kernels, scikit-learn's pairwise functions, which use BLAS for
    distances), so every kernel, including callables and Gaussian-process kernels,
    runs here. The block height is set from ``sklearn.get_config()["working_memory"]``.
    """

    name = "numpy"
    native_dense = True

    def available(self):
        return None

    def supports(self, spec):
        return True

    def prepare(self, X, spec):
        return X

    def _blocks(self, spec, X, Y):
        """(rows, block of K) pairs covering K(X, Y), in X's dtype.

        For K(X, X) of a distance kernel, the diagonal entries come from the paired
        kernel: a block of rows against all of X gets the self-distances only up to
        rounding, and a steep kernel (RBF at gamma = 1e300) turns that rounding into
        k(x, x) = 0 instead of 1.
        """
        exact_diagonal = X is Y and spec.closed_form and spec.statistic != "dot"
        # Sized by what the formula holds at once, in float64 (the statistic's dtype).
        step = row_block_size(X.shape[0], Y.shape[0], 8, spec.block_copies)
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            block = spec.block(X[rows], Y).astype(X.dtype, copy=False)
            if exact_diagonal:
                part = X[rows]
                block[np.arange(part.shape[0]), np.arange(start, start + part.shape[0])] = (
                    spec.paired(part, part)
                )
            yield rows, block

    def matmat(self, spec, X, Y, V):
        out = np.empty((X.shape[0], V.shape[1]), dtype=np.result_type(X.dtype, V.dtype))
        for rows, block in self._blocks(spec, X, Y):
            np.matmul(block, V, out=out[rows])
        return out

    def normal_matmat(self, spec, X, Y, V, weights=None):
        # One pass: each block of rows of K is used for K V and then for K^T (K V).
        out = np.zeros((Y.shape[0], V.shape[1]), dtype=np.float64)
        for rows, block in self._blocks(spec, X, Y):
            U = block @ V
            if weights is not None:
                U *= weights[rows, None]
            out += block.T @ U
        return out.astype(np.result_type(X.dtype, V.dtype), copy=False)

"""Symmetric positive semi-definite matrices: their inverse square root, and making
a matrix symmetric to the last digit in place."""

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils._chunking import get_chunk_n_rows

from .._memory import check_dense_fits

__all__ = ["psd_inverse_sqrt", "symmetrize"]

#: Most rows :func:`symmetrize` averages at once.
_SYMMETRIZE_ROWS = 256


def symmetrize(T):
    """``T <- (T + T^T) / 2`` in place, a block of rows at a time.

    Kernel matrices are symmetric up to rounding (``T_ij s_i s_j`` and ``T_ji s_j
    s_i`` round differently); eigensolvers and Cholesky want them exactly so.
    ``T += T.T`` would allocate a second n x n array (numpy copies an operand that
    overlaps the output); blocks of rows within ``working_memory`` do not.

    Parameters
    ----------
    T : ndarray of shape (n, n)
        Square matrix, overwritten.

    Returns
    -------
    T : ndarray of shape (n, n)
        The same array.
    """
    n = T.shape[0]
    # A few hundred rows at most: scikit-learn's default working_memory (1 GiB) would
    # be the whole of a matrix that just fits.
    rows = min(get_chunk_n_rows(row_bytes=T.itemsize * n, max_n_rows=n), _SYMMETRIZE_ROWS)
    for block in gen_batches(n, rows):
        # The block's rows right of its diagonal square with its columns below it:
        # each pair (i, j), i < j, is averaged once, and the square itself too.
        start = block.start
        mean = (T[block, start:] + T[start:, block].T) * 0.5
        T[block, start:] = mean
        T[start:, block] = mean.T
    return T


def psd_inverse_sqrt(K, floor=1e-12):
    """``K^-1/2`` of a PSD matrix, scikit-learn Nystroem's way.

    Parameters
    ----------
    K : ndarray of shape (m, m)
        Symmetric positive semi-definite (a kernel matrix of the components).
    floor : float, default=1e-12
        Singular values are clipped from below at this value, so that a singular K
        gives a finite (pseudo-)inverse square root.

    Returns
    -------
    K_inv_sqrt : ndarray of shape (m, m)
        ``U diag(1 / sqrt(max(s, floor))) V^T`` from the SVD ``K = U diag(s) V^T``,
        in float64.
    """
    m = K.shape[0]
    # The SVD's U, Vt, its copy of K and LAPACK's workspace (gesdd's is about 4 m^2),
    # then the product: 7.1-7.4 m^2 beside K, measured at m = 1,500 and 3,000.
    check_dense_fits(
        m,
        m,
        np.float64,
        what=f"The inverse square root of the {m} centers' kernel matrix (an SVD)",
        instead="Lower n_components.",
        count=8,
    )
    U, S, Vt = np.linalg.svd(np.asarray(K, dtype=np.float64))
    return U / np.sqrt(np.clip(S, floor, None)) @ Vt

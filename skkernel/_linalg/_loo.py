"""Closed-form leave-one-out residuals of kernel ridge along a path of penalties."""

import numpy as np
from sklearn.utils._chunking import get_chunk_n_rows

__all__ = ["ridge_loo_path"]


def ridge_loo_path(eigenvalues, Q, Y, alphas):
    """Leave-one-out residuals of kernel ridge for every penalty, from K = Q diag(w) Q^T.

    For ``G = K + alpha I`` and ``c = G^-1 y``, the residual of the model fitted without
    sample i at sample i is ``c_i / (G^-1)_ii`` (the closed form of ridge LOO), and
    ``G^-1 = Q diag(1 / (w + alpha)) Q^T``, so all penalties share one
    eigendecomposition. ``diag(G^-1)`` for all alphas is ``(Q * Q) @ (1 / (w + alpha))``,
    computed one block of rows at a time so no second n x n array is formed.

    Parameters
    ----------
    eigenvalues : ndarray of shape (n,)
    Q : ndarray of shape (n, n)
        Orthonormal eigenvectors (columns).
    Y : ndarray of shape (n, n_targets)
    alphas : ndarray of shape (n_alphas,)

    Returns
    -------
    residuals : ndarray of shape (n, n_targets, n_alphas)
        ``y_i - f_{-i}(x_i)``.
    dual_coefs : ndarray of shape (n, n_targets, n_alphas)
        ``c = G^-1 y`` for every alpha.
    """
    n, n_targets = Y.shape
    inverse = 1.0 / (eigenvalues[:, None] + alphas[None, :])  # (n, n_alphas)
    QtY = Q.T @ Y  # (n, n_targets)
    spectral = QtY[:, :, None] * inverse[:, None, :]  # (n, n_targets, n_alphas)
    dual_coefs = (Q @ spectral.reshape(n, -1)).reshape(n, n_targets, alphas.size)
    G_inv_diag = np.empty((n, alphas.size))
    step = get_chunk_n_rows(row_bytes=2 * n * Q.dtype.itemsize, max_n_rows=n)
    for start in range(0, n, step):
        rows = slice(start, start + step)
        G_inv_diag[rows] = np.square(Q[rows]) @ inverse
    return dual_coefs / G_inv_diag[:, None, :], dual_coefs

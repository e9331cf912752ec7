"""Closed-form leave-one-out residuals of kernel ridge along a path of penalties."""

import numpy as np

from .._memory import row_batches
from ._eigen import rounding_level

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
        ``c = G^-1 y`` for every alpha (without K's null directions at an alpha
        within rounding of zero: the least-squares solution there).
    """
    n, n_targets = Y.shape
    # Eigenvalues within rounding of zero (n eps of the largest, as numpy's and
    # scipy's pseudo-inverses cut) are zeros: a singular K's come out anywhere in
    # +-1e-12, and 1 / (w + alpha) of those gave arbitrary scores at small alphas.
    rounding = rounding_level(eigenvalues)
    null = np.abs(eigenvalues) <= rounding
    w = np.where(null, 0.0, eigenvalues)
    inverse = 1.0 / (w[:, None] + alphas[None, :])  # (n, n_alphas)
    QtY = Q.T @ Y  # (n, n_targets)

    def coefficients(weights):
        spectral = QtY[:, :, None] * weights[:, None, :]  # (n, n_targets, n_alphas)
        return (Q @ spectral.reshape(n, -1)).reshape(n, n_targets, alphas.size)

    dual_coefs = coefficients(inverse)
    G_inv_diag = np.empty((n, alphas.size))
    for rows in row_batches(n, 2 * n * Q.dtype.itemsize):
        G_inv_diag[rows] = np.square(Q[rows]) @ inverse
    residuals = dual_coefs / G_inv_diag[:, None, :]
    # The null directions move no prediction in exact arithmetic, but at an alpha
    # within rounding their coefficients y / alpha turn K's rounding into the
    # predictions: there the model is the least-squares one, as KernelRidge's when
    # its Cholesky fails (the residuals above stay exact: both factors share 1/alpha).
    unresolved = null[:, None] & (alphas[None, :] <= rounding)
    if unresolved.any():
        dual_coefs = coefficients(np.where(unresolved, 0.0, inverse))
    return residuals, dual_coefs

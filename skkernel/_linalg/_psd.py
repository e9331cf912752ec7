"""The inverse square root of a symmetric positive semi-definite matrix."""

import numpy as np

__all__ = ["psd_inverse_sqrt"]


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
    U, S, Vt = np.linalg.svd(np.asarray(K, dtype=np.float64))
    return U / np.sqrt(np.clip(S, floor, None)) @ Vt

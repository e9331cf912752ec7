"""Preconditioned conjugate gradients on many right-hand sides at once."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["conjugate_gradient"]


def conjugate_gradient(
    matmat,
    B,
    *,
    precondition=None,
    tol=1e-4,
    max_iter=1000,
    verbose=0,
    advice="Increase max_iter or preconditioner_rank, or raise tol or alpha.",
):
    """Preconditioned conjugate gradients on several right-hand sides at once.

    Each column of B is its own CG run (own step sizes), but the matrix products of
    all still-active columns are done together, so a kernel matrix pass is shared by
    every column.

    Parameters
    ----------
    matmat : callable
        ``matmat(V, columns)`` returns ``A_j @ V`` for the listed columns ``j``
        (``V`` has one column per entry of ``columns``).
    B : ndarray of shape (n, n_columns)
    precondition : callable, default=None
        ``precondition(R, columns)`` returns the inverse preconditioner applied to R.
    tol : float
        Column j stops when ``||b_j - A_j x_j|| <= tol * ||b_j||``.
    max_iter : int
    verbose : int
        If positive, a progress bar of the iterations and the worst relative residual.
    advice : str
        What the ConvergenceWarning suggests to the user.

    Returns
    -------
    X : ndarray of shape (n, n_columns)
    n_iter : int
    converged : ndarray of bool of shape (n_columns,)
    """
    from tqdm.auto import tqdm

    def identity(R, columns):
        return R

    precondition = precondition or identity
    n_columns = B.shape[1]
    X = np.zeros_like(B)
    R = B.copy()
    b_norm = np.linalg.norm(B, axis=0)
    b_norm[b_norm == 0] = 1.0
    active = np.flatnonzero(np.linalg.norm(R, axis=0) > tol * b_norm)
    Z = precondition(R[:, active], active)
    P = Z.copy()
    rz = np.einsum("ij,ij->j", R[:, active], Z)
    n_iter = 0
    with tqdm(total=max_iter, disable=not verbose, desc="CG", leave=False) as bar:
        while active.size and n_iter < max_iter:
            AP = matmat(P, active)
            step = rz / np.einsum("ij,ij->j", P, AP)
            X[:, active] += step * P
            R[:, active] -= step * AP
            n_iter += 1
            rel_residual = np.linalg.norm(R[:, active], axis=0) / b_norm[active]
            bar.update(1)
            bar.set_postfix(residual=f"{rel_residual.max():.2e}")
            still = rel_residual > tol
            active, P, rz = active[still], P[:, still], rz[still]
            if not active.size:
                break
            Z = precondition(R[:, active], active)
            rz_new = np.einsum("ij,ij->j", R[:, active], Z)
            P = Z + (rz_new / rz) * P
            rz = rz_new
    converged = np.ones(n_columns, dtype=bool)
    converged[active] = False
    if active.size:
        warnings.warn(
            f"Conjugate gradients stopped after max_iter={max_iter} iterations with "
            f"{active.size} of {n_columns} right-hand side(s) above tol={tol:g}. {advice}",
            ConvergenceWarning,
            stacklevel=3,
        )
    return X, n_iter, converged

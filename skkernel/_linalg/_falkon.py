"""The Falkon solver: Nystroem kernel ridge by preconditioned conjugate gradients.

Rudi, Carratino & Rosasco (2017), "FALKON: An Optimal Large Scale Kernel Method";
Meanti, Carratino, Rosasco & Rudi (2020), "Kernel methods through the roof".

With M centers, K_nM = K(X, centers) and K_MM = K(centers, centers), the Nystroem
kernel ridge coefficients solve

    H c = K_nM^T W y,      H = K_nM^T W K_nM + alpha K_MM,

(W the sample weights). Dividing by ``n_w = sum(W)`` and writing ``lam = alpha / n_w``,
the preconditioner is built from K_MM alone: ``T = chol(K_MM)`` (upper, ``T^T T =
K_MM``), ``A = chol(T D T^T + lam I)`` and ``B = T^-1 A^-1``. Because ``K_nM^T K_nM
/ n ~ K_MM D K_MM`` for centers drawn from the data with weights D (``I / M`` for a
uniform draw; ``1 / (C pi_j)`` for centers drawn with probability ``pi_j`` from C
candidates, as leverage scores draw them -- Rudi, Calandriello, Carratino & Rosasco
2018), ``B^T H B / n_w`` is close to the identity, and CG on it converges in 10-20
iterations whatever n. (With leverage-score centers the weights matter: 16 instead of
26 iterations at n = 250,000, M = 2,000.) Each iteration is
one pass ``K_nM^T W K_nM v`` over the data (fused in one kernel evaluation by the
numba, numpy and Dask backends), so memory is O(n d + M^2) and K_nM is never stored.

With an unpenalised intercept b (``fit_intercept=True``, the model of sklearn's
``make_pipeline(Nystroem(), Ridge())``), b = ybar - mu^T c with ``mu = K_nM^T W 1 /
n_w`` the weighted column means of K_nM, and c solves the same system with K_nM's
columns centred: ``H_c = H - n_w mu mu^T`` and right-hand side ``K_nM^T W (y -
ybar)``. mu comes out of the right-hand side's pass as one more column, the rank-one
correction costs O(M k) per iteration (k targets), and the preconditioner centres
too: as mu ~ K_MM d (d = D 1), ``A = chol(T (D - theta d d^T / sum(d)) T^T + lam I)``.
Full centring (theta = 1) would leave the preconditioner with an eigenvalue of only
lam along the direction the intercept absorbs; where mu ~ K_MM d is not exact, the
preconditioned system then has an eigenvalue of order (error / lam), 3e11 at
alpha = 1e-12, holding nearly all of the right-hand side. theta = 0.99 keeps a
hundredth of that direction: well conditioned for every alpha (65 iterations at
alpha = 1e-12 where theta = 1 took one and returned a useless model), and as few
iterations as theta = 1 where that one works (37 vs 35 without an intercept; 51 with
the uncentred preconditioner).

CG stops on the residual of the system H c = K_nM^T W y itself, not of the
preconditioned one (whose norm a badly scaled direction can dominate), checked on the
true residual at the end (:func:`conjugate_gradient`).
"""

import numpy as np
from scipy import linalg

from .._threads import single_threaded_blas
from ._cg import conjugate_gradient
from ._cholesky import jittered_cholesky

#: How much of the intercept's rank-one term the centred preconditioner removes.
_CENTRING = 0.99


def _triangular(U, V, trans=0):
    return linalg.solve_triangular(U, V, trans=trans, lower=False, check_finite=False)


class FalkonPreconditioner:
    """``B = T^-1 A^-1`` of the module docstring, applied by triangular solves.

    Parameters
    ----------
    K_MM : ndarray of shape (M, M)
        Kernel matrix of the centers (float64).
    lam : float
        ``alpha / n_w``.
    center_weights : ndarray of shape (M,), default=None
        The diagonal of D; None means ``1 / M`` (uniformly drawn centers).
    centred : bool, default=False
        Whether the data term has K_nM's columns centred (a fitted intercept).
    """

    def __init__(self, K_MM, lam, center_weights=None, centred=False):
        M = K_MM.shape[0]
        # jittered_cholesky returns lower L with L L^T = K_MM (+ jitter), so T = L^T.
        L, self.jitter_ = jittered_cholesky(K_MM)
        self.T_ = L.T
        if center_weights is None:
            center_weights = np.full(M, 1.0 / M)
        TTt = (self.T_ * center_weights) @ self.T_.T
        if centred:
            # K_nM's column means are about K_MM d (d = D 1): the centred data term
            # is about K_MM (D - d d^T / sum(d)) K_MM, so T D T^T loses (most of) a
            # rank one; see the module docstring for why not all of it.
            Td = self.T_ @ center_weights
            TTt -= _CENTRING * np.outer(Td, Td) / center_weights.sum()
        TTt[np.diag_indices_from(TTt)] += lam
        self.A_ = jittered_cholesky(TTt)[0].T

    def apply(self, V):
        """``B V = T^-1 A^-1 V``."""
        return _triangular(self.T_, _triangular(self.A_, V))

    def apply_transpose(self, V):
        """``B^T V = A^-T T^-T V``."""
        return _triangular(self.A_, _triangular(self.T_, V, trans="T"), trans="T")

    def unpreconditioned(self, V):
        """``B^-T V = T^T A^T V``: a residual of the preconditioned system mapped to
        the residual of the original one."""
        # On one BLAS thread: a threaded GEMV here left OpenBLAS's threads spinning
        # against the numba threads of the next kernel pass (NystroemRidge 1.6x slower).
        with single_threaded_blas():
            return self.T_.T @ (self.A_.T @ V)

    def penalty(self, V):
        """``B^T K_MM B V = A^-T A^-1 V`` (as ``T^T T = K_MM``)."""
        return _triangular(self.A_, _triangular(self.A_, V), trans="T")


def falkon_solve(
    operator,
    Y,
    K_MM,
    alpha,
    *,
    weights=None,
    center_weights=None,
    fit_intercept=False,
    tol=1e-6,
    max_iter=100,
    verbose=0,
):
    """Nystroem kernel ridge coefficients by Falkon's preconditioned CG.

    Parameters
    ----------
    operator : KernelOperator
        ``K(X, centers)`` on the backend that runs the passes over the data.
    Y : ndarray of shape (n_samples, n_targets)
    K_MM : ndarray of shape (M, M)
    alpha : float
        KernelRidge's penalty.
    weights : ndarray of shape (n_samples,), default=None
        Sample weights.
    center_weights : ndarray of shape (M,), default=None
        How much of the data each center stands for (see the module docstring);
        changes the preconditioner only, not the solution.
    fit_intercept : bool, default=False
        Whether to fit an unpenalised intercept per target.
    tol : float
        CG stops when the residual of ``H c = K_nM^T W y`` (centred with an
        intercept) is below ``tol`` times its right-hand side (per target).
    max_iter : int
    verbose : int
        If positive, a progress bar of the iterations.

    Returns
    -------
    coef : ndarray of shape (M, n_targets)
    intercept : ndarray of shape (n_targets,)
        Zeros unless ``fit_intercept``.
    n_iter : int
    """
    n_w = float(Y.shape[0] if weights is None else np.sum(weights))
    lam = alpha / n_w
    preconditioner = FalkonPreconditioner(K_MM, lam, center_weights, centred=fit_intercept)
    y_mean = np.average(Y, axis=0, weights=weights) if fit_intercept else np.zeros(Y.shape[1])
    WY = Y - y_mean if fit_intercept else Y
    if weights is not None:
        WY = WY * weights[:, None]
    if fit_intercept:
        # One pass gives K_nM^T W (y - ybar) and, as the last column, mu = K_nM^T W 1.
        WY = np.column_stack([WY, np.ones(Y.shape[0]) if weights is None else weights])
    # rmatmat runs on the operator's prepared data; operator.T would prepare X again.
    projected = operator.rmatmat(WY) / n_w
    column_means = projected[:, -1] if fit_intercept else None
    rhs = preconditioner.apply_transpose(projected[:, : Y.shape[1]])

    def matmat(V, columns):
        BV = preconditioner.apply(V)
        data_term = operator.normal_matmat(BV, weights) / n_w
        if fit_intercept:
            data_term -= np.outer(column_means, column_means @ BV)
        return preconditioner.apply_transpose(data_term) + lam * preconditioner.penalty(V)

    def residual_norm(R, columns):
        return np.linalg.norm(preconditioner.unpreconditioned(R), axis=0)

    beta, n_iter, _ = conjugate_gradient(
        matmat,
        rhs,
        residual_norm=residual_norm,
        tol=tol,
        max_iter=max_iter,
        verbose=verbose,
        advice=(
            "Raise alpha (a tiny alpha leaves the Nystroem system nearly singular: "
            "alpha=1e-8 to 1e-3 times n_samples is typical), increase max_iter or "
            "n_components, or raise tol."
        ),
    )
    coef = preconditioner.apply(beta)
    intercept = y_mean - column_means @ coef if fit_intercept else y_mean
    return coef, intercept, n_iter

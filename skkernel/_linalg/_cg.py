"""Preconditioned conjugate gradients on many right-hand sides at once."""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["IndefiniteSystemError", "NonFiniteError", "conjugate_gradient"]

#: How many times a column whose recurrence said "converged" but whose true residual
#: did not may start again from its true residual.
_MAX_RESTARTS = 3


class NonFiniteError(FloatingPointError, ValueError):
    """A product of the system returned NaN or infinity."""


class IndefiniteSystemError(ValueError):
    """The system is singular or not positive definite: CG met a search direction
    of zero or negative curvature."""


def _euclidean(R, columns):
    return np.linalg.norm(R, axis=0)


def _unit_scale(B):
    """A power of two per column that brings its largest entry into [0.5, 1).

    Right-hand sides of 1e155 overflow a Euclidean norm (squares of 1e310) and those
    of 1e-300 underflow it, and either way every column looked converged at x = 0.
    The system is linear, so it is solved for the scaled columns and the solution
    scaled back; a power of two scales without rounding.
    """
    _, exponent = np.frexp(np.max(np.abs(B), axis=0, initial=0.0))
    return np.ldexp(np.ones((), dtype=B.dtype), -exponent)


def _check_finite(array, what):
    if not np.isfinite(array).all():
        raise NonFiniteError(
            f"{what} contains NaN or infinity: the kernel returned non-finite values "
            "(a callable kernel returning NaN, or a polynomial kernel with a fractional "
            "degree on negative dot products) or the data are too large for it."
        )


def conjugate_gradient(
    matmat,
    B,
    *,
    precondition=None,
    residual_norm=None,
    tol=1e-4,
    max_iter=1000,
    verbose=0,
    advice="Increase max_iter or preconditioner_rank, or raise tol or alpha.",
):
    """Preconditioned conjugate gradients on several right-hand sides at once.

    Each column of B is its own CG run (own step sizes), but the matrix products of
    all still-active columns are done together, so a kernel matrix pass is shared by
    every column.

    A column stops when its residual is below ``tol`` relative to its right-hand side,
    measured on the *true* residual ``b - A x`` (one more product): the residual CG
    updates by recurrence drifts from it on ill-conditioned systems, and can report
    convergence after a single step when one direction dominates the right-hand side.
    A column whose true residual is still too large starts again from it (at most
    three times). Columns that do not converge return their best iterate, with a
    :class:`~sklearn.exceptions.ConvergenceWarning` carrying ``advice``.

    Parameters
    ----------
    matmat : callable
        ``matmat(V, columns)`` returns ``A_j @ V`` for the listed columns ``j``
        (``V`` has one column per entry of ``columns``).
    B : ndarray of shape (n, n_columns)
        Right-hand sides.
    precondition : callable, default=None
        ``precondition(R, columns)`` returns the inverse preconditioner applied to R.
    residual_norm : callable, default=None
        ``residual_norm(R, columns)``: the norms, one per column, in which the
        stopping test measures residuals (and right-hand sides). ``None``: Euclidean.
        A solver running CG on a transformed system passes the norm of the residual
        of the original system, so that ``tol`` means what the user asked for.
    tol : float, default=1e-4
        Column j stops when ``norm(b_j - A_j x_j) <= tol * norm(b_j)``.
    max_iter : int, default=1000
        Most products with A.
    verbose : int, default=0
        If positive, a progress bar of the digits of residual gained, towards
        ``log10(1 / tol)``.
    advice : str, default="Increase max_iter or preconditioner_rank, or raise tol or alpha."
        What the ConvergenceWarning suggests to the user.

    Returns
    -------
    X : ndarray of shape (n, n_columns)
        The solutions (best iterates of the columns that did not converge).
    n_iter : int
        Products with A, including the checks of the true residual.
    converged : ndarray of bool of shape (n_columns,)
        Which columns met ``tol``.

    Raises
    ------
    NonFiniteError
        If a product returns NaN or infinity.
    IndefiniteSystemError
        If a search direction p has ``p^T A p <= 0``, or a curvature within rounding
        of zero (below ``sqrt(n) eps`` times ``|p|^2`` times the largest
        ``p^T A p / p^T p`` the column has seen): A is singular (a ridge of zero on
        a rank-deficient matrix) or not positive definite, and CG has no step to
        take (rounding would make one up).
    """
    from tqdm.auto import tqdm

    def identity(R, columns):
        return R

    precondition = precondition or identity
    norm = residual_norm or _euclidean
    _check_finite(B, "The right-hand side")
    unit = _unit_scale(B)
    B = B * unit
    n_columns = B.shape[1]
    every = np.arange(n_columns)
    X = np.zeros_like(B)
    R = B.copy()
    b_norm = norm(B, every)
    b_norm[b_norm == 0] = 1.0
    best_X, best_residual = X.copy(), np.ones(n_columns)
    restarts = np.zeros(n_columns, dtype=int)
    active = np.flatnonzero(norm(R, every) > tol * b_norm)
    converged = np.ones(n_columns, dtype=bool)
    converged[active] = False

    def columns_of(index):
        # A slice while every column is in: fancy indexing copies the n x k arrays
        # twice a statement, 80% of the time with 500 right-hand sides.
        return slice(None) if index.size == n_columns else index

    cols = columns_of(active)
    Z = precondition(R[:, cols], active)
    P = Z.copy()
    rz = np.einsum("ij,ij->j", R[:, cols], Z)
    n_iter = 0
    # Rounding in p^T A p, relative to |p|^2 times A's largest eigenvalue (estimated
    # from below by the largest p^T A p / p^T p of the column so far).
    rounding = math.sqrt(B.shape[0]) * np.finfo(np.float64).eps
    largest_rayleigh = np.zeros(n_columns)
    digits = math.log10(1.0 / tol)
    with tqdm(
        total=round(digits, 1), disable=not verbose, desc="CG", unit="digit", leave=True
    ) as bar:
        while active.size and n_iter < max_iter:
            AP = matmat(P, active)
            _check_finite(AP, "A product of the system")
            curvature = np.einsum("ij,ij->j", P, AP)
            squared_norm = np.einsum("ij,ij->j", P, P)
            # A singular A's null directions get a curvature of rounding size, not
            # always <= 0: measure it against the largest Rayleigh quotient seen.
            if not np.all(curvature > rounding * largest_rayleigh[active] * squared_norm):
                raise IndefiniteSystemError(
                    "The system is singular or not positive definite: conjugate "
                    "gradients met a direction p with p^T A p <= 0, or within rounding "
                    "of 0 (e.g. alpha=0 with repeated or collinear rows). A positive "
                    "alpha makes it positive definite."
                )
            largest_rayleigh[active] = np.maximum(
                largest_rayleigh[active], curvature / squared_norm
            )
            step = rz / curvature
            cols = columns_of(active)
            X[:, cols] += step * P
            R[:, cols] -= step * AP
            n_iter += 1
            rel_residual = norm(R[:, cols], active) / b_norm[active]
            better = rel_residual < best_residual[active]
            improved = columns_of(active[better])
            best_X[:, improved] = X[:, improved]
            best_residual[active[better]] = rel_residual[better]
            done = rel_residual <= tol
            if done.any() and n_iter < max_iter:
                # The recurrence says converged: check the true residual.
                checked = active[done]
                true_R = B[:, checked] - matmat(X[:, checked], checked)
                n_iter += 1
                true_rel = norm(true_R, checked) / b_norm[checked]
                better = true_rel < best_residual[checked]
                best_X[:, checked[better]] = X[:, checked[better]]
                best_residual[checked[better]] = true_rel[better]
                met = true_rel <= tol
                converged[checked[met]] = True
                retry = ~met & (restarts[checked] < _MAX_RESTARTS)
                restarts[checked[retry]] += 1
                R[:, checked[retry]] = true_R[:, retry]
                rel_residual[done] = np.where(met, 0.0, np.where(retry, true_rel, -1.0))
                # Columns that restart continue from their true residual, with a fresh
                # search direction; the others leave.
                restart = np.zeros(active.size, dtype=bool)
                restart[np.flatnonzero(done)[retry]] = True
                keep = ~done | restart
            else:
                restart = np.zeros(active.size, dtype=bool)
                keep = ~done
            worst = rel_residual[keep].max(initial=tol)
            bar.n = round(min(digits, max(0.0, -math.log10(max(worst, 1e-300)))), 1)
            bar.set_postfix(residual=f"{worst:.2e}")
            bar.refresh()
            if not keep.all():
                active, P, rz, restart = active[keep], P[:, keep], rz[keep], restart[keep]
            if not active.size:
                break
            cols = columns_of(active)
            Z = precondition(R[:, cols], active)
            rz_new = np.einsum("ij,ij->j", R[:, cols], Z)
            P = np.where(restart, Z, Z + (rz_new / rz) * P)
            rz = rz_new
    failed = ~converged
    X[:, failed] = best_X[:, failed]
    if failed.any():
        # Report what the returned iterates really achieve; a column whose recurrence
        # met tol on the last allowed iteration, checked here, has converged.
        columns = np.flatnonzero(failed)
        true_R = B[:, columns] - matmat(X[:, columns], columns)
        best_residual[columns] = norm(true_R, columns) / b_norm[columns]
        converged[columns[best_residual[columns] <= tol]] = True
        failed = ~converged
    if failed.any():
        why = (
            f"stopped after max_iter={max_iter} iterations"
            if n_iter >= max_iter
            else "stalled (its true residual stayed above tol after restarts)"
        )
        warnings.warn(
            f"Conjugate gradients {why} with {failed.sum()} of {n_columns} right-hand "
            f"side(s) above tol={tol:g} (best relative residual "
            f"{best_residual[failed].max():.2g}); the solution is inaccurate. {advice}",
            ConvergenceWarning,
            stacklevel=3,
        )
    return X / unit, n_iter, converged

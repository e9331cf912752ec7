"""The largest eigenpairs of a symmetric matrix or operator.

Kernel PCA regression needs the top few eigenpairs of a symmetric ``T`` that may only
be known through products (a kernel operator, a sparse graph). Four ways, chosen by
name: ``"dense"`` (LAPACK's MRRR driver on an array, only the wanted eigenpairs),
``"arpack"`` (implicitly restarted Lanczos, one vector per product: best when a
product is cheap, as for sparse graphs), ``"lobpcg"`` (a block method: every product
carries the whole block, which is what a kernel operator computes for the price of
one vector) and ``"randomized"`` (subspace iteration with a Rayleigh-Ritz step, a
fixed number of block products).

Single-vector Lanczos finds one eigenvector per repeated eigenvalue; a caller that
knows some eigenpairs exactly (a graph with c connected components has the eigenvalue
1 c times, with known eigenvectors) passes them as ``known``: they are deflated and
only the others are searched for.
"""

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from scipy.sparse.linalg import aslinearoperator, eigsh, lobpcg
from sklearn.utils import check_random_state

from .._memory import row_batches

__all__ = ["EIGEN_SOLVERS", "rounding_level", "top_eigenpairs"]

#: The names :func:`top_eigenpairs` accepts.
EIGEN_SOLVERS = ("dense", "arpack", "lobpcg", "randomized")


class _CountingOperator:
    """Wraps ``T`` and counts its products (each block product counts once)."""

    def __init__(self, T):
        self.T = T
        self.shape = T.shape
        self.dtype = np.dtype(np.float64)
        self.n_products = 0

    def __matmul__(self, V):
        self.n_products += 1
        return np.asarray(self.T @ V, dtype=np.float64)


def rounding_level(eigenvalues, n=None):
    """How far from zero an eigenvalue of an n x n symmetric matrix is rounding:
    ``n eps`` times the largest magnitude (the cutoff of numpy's and scipy's
    pseudo-inverses). Eigenvalues at or below it are zeros.

    Parameters
    ----------
    eigenvalues : ndarray
        Eigenvalues of the matrix, the largest among them.
    n : int, default=None
        The matrix's order; None means ``eigenvalues.size`` (all of them).

    Returns
    -------
    level : float
        Positive (``1e-300`` times ``n eps`` for a zero matrix).
    """
    eigenvalues = np.asarray(eigenvalues)
    n = eigenvalues.size if n is None else n
    largest = float(np.abs(eigenvalues).max(initial=0.0))
    return n * np.finfo(np.float64).eps * max(largest, 1e-300)


def top_eigenpairs(
    T,
    n_components,
    *,
    method="arpack",
    tol=1e-8,
    max_iter=None,
    n_oversamples=10,
    n_iter=None,
    random_state=None,
    known=None,
):
    """The ``n_components`` largest (algebraic) eigenpairs of a symmetric T.

    Parameters
    ----------
    T : ndarray of shape (n, n) or object with ``shape`` and ``@``
        Symmetric; ``T @ V`` on arrays of shape (n, k). A dense array is required by
        ``method="dense"``.
    n_components : int
        How many eigenpairs, at most n (at most n - 1 with "arpack").
    method : {"dense", "arpack", "lobpcg", "randomized"}, default="arpack"
        See the module docstring.
    tol : float, default=1e-8
        Relative accuracy of the eigenvalues (ARPACK), residual tolerance (LOBPCG);
        unused by "dense" and "randomized".
    max_iter : int, default=None
        Most iterations of ARPACK (restarts) and LOBPCG; ``None`` uses their defaults
        (ARPACK: 10 n; LOBPCG: 200).
    n_oversamples : int, default=10
        Extra vectors of the randomized block.
    n_iter : int, default=None
        Power iterations of "randomized"; ``None`` means 7 (as
        :func:`sklearn.utils.extmath.randomized_svd` does for few components).
    random_state : int, RandomState instance or None, default=None
        Starting vectors of the iterative methods.
    known : tuple (eigenvalues, eigenvectors), default=None
        Eigenpairs of T known to be among the largest (``eigenvectors`` orthonormal,
        of shape (n, c)). They are returned first (at most ``n_components`` of them)
        and the search runs on ``T - 2 V diag(w) V^T``, which sends them to ``-w``.

    Returns
    -------
    eigenvalues : ndarray of shape (n_components,)
        In decreasing order.
    eigenvectors : ndarray of shape (n, n_components)
        Orthonormal columns, in the same order.
    n_products : int
        Products with T (each product of a block counts once; 0 for "dense").
    """
    n = T.shape[0]
    k = int(n_components)
    if not 1 <= k <= n:
        raise ValueError(f"n_components must be in [1, {n}]; got {n_components}.")
    if known is not None:
        return _with_known(T, k, known, method, tol, max_iter, n_oversamples, n_iter, random_state)
    rng = check_random_state(random_state)
    if method == "dense":
        if not isinstance(T, np.ndarray):
            raise TypeError("method='dense' needs T as a dense array.")
        # MRRR computes only the wanted eigenvectors, with O(n) workspace.
        w, U = linalg.eigh(T, subset_by_index=[n - k, n - 1], driver="evr", check_finite=False)
        return w[::-1], U[:, ::-1], 0
    counted = _CountingOperator(T)
    if method == "arpack":
        if k >= n:
            raise ValueError(
                f"eigen_solver='arpack' finds at most n - 1 = {n - 1} eigenpairs; "
                "use the dense solver for all of them."
            )
        v0 = rng.uniform(-1, 1, size=n)
        operator = aslinearoperator(_as_scipy_operator(counted))
        w, U = eigsh(operator, k=k, which="LA", tol=tol, maxiter=max_iter, v0=v0)
    elif method == "lobpcg":
        X0 = rng.normal(size=(n, k))
        operator = _as_scipy_operator(counted)
        w, U = lobpcg(operator, X0, tol=tol, maxiter=max_iter or 200, largest=True)
    elif method == "randomized":
        w, U = _subspace_iteration(counted, k, n_oversamples, 7 if n_iter is None else n_iter, rng)
    else:
        raise ValueError(f"Unknown eigen solver {method!r}; use one of {EIGEN_SOLVERS}.")
    order = np.argsort(w)[::-1]
    return w[order], U[:, order], counted.n_products


class _Deflated:
    """``T - 2 V diag(w) V^T``: the known eigenpairs moved to ``-w``.

    Moved to the far end of the spectrum from the wanted top eigenpairs, not to 0:
    there they joined the cluster of eigenvalues near 0, and the eigenvectors of those
    came out with a share of the known ones (a residual on T of ~1e-9 at eigenvalues
    of ~1e-8, which kernel PCA divides by).
    """

    def __init__(self, T, w, V):
        self.T, self.w, self.V = T, w, V
        self.shape = T.shape

    def __matmul__(self, X):
        X = np.asarray(X, dtype=np.float64)
        vector = X.ndim == 1
        X2 = X.reshape(X.shape[0], -1)
        out = np.asarray(self.T @ X2, dtype=np.float64) - self.V @ (
            2.0 * self.w[:, None] * (self.V.T @ X2)
        )
        return out.ravel() if vector else out


def _deflated_array(T, w0, V0):
    """``T - V0 diag(2 w0) V0^T`` as an array: T's copy updated a block of rows at a
    time (rank k). Products with the identity cost 2 n^3 and two n x n arrays (the
    whole direct STKR kernel-PCA fit was 1.48x slower at 2,000 rows)."""
    if sp.issparse(T):
        deflated = T.toarray().astype(np.float64, copy=False)
    elif isinstance(T, np.ndarray):
        deflated = np.array(T, dtype=np.float64)
    else:  # an operator: its products with the identity
        deflated = np.asarray(T @ np.eye(T.shape[0]), dtype=np.float64)
    scaled = V0 * (2.0 * w0)
    for rows in row_batches(deflated.shape[0], deflated.shape[1] * deflated.itemsize):
        deflated[rows] -= scaled[rows] @ V0.T
    return deflated


def _with_known(T, k, known, method, tol, max_iter, n_oversamples, n_iter, random_state):
    w0, V0 = (np.asarray(a, dtype=np.float64) for a in known)
    order = np.argsort(-w0, kind="stable")
    w0, V0 = w0[order], V0[:, order]
    if w0.size >= k:
        return w0[:k], V0[:, :k], 0
    if method == "dense":
        deflated = _deflated_array(T, w0, V0)
    else:
        deflated = _Deflated(T, w0, V0)
    w, U, n_products = top_eigenpairs(
        deflated,
        k - w0.size,
        method=method,
        tol=tol,
        max_iter=max_iter,
        n_oversamples=n_oversamples,
        n_iter=n_iter,
        random_state=random_state,
    )
    return np.r_[w0, w], np.hstack([V0, U]), n_products


def _as_scipy_operator(counted):
    from scipy.sparse.linalg import LinearOperator

    return LinearOperator(
        counted.shape,
        matvec=lambda v: (counted @ v.reshape(-1, 1)).ravel(),
        matmat=lambda V: counted @ V,
        dtype=np.float64,
    )


def _subspace_iteration(T, k, n_oversamples, n_iter, rng):
    """Randomized subspace iteration (Halko, Martinsson & Tropp 2011, Alg. 4.4)
    followed by Rayleigh-Ritz: the top eigenpairs of Q^T T Q."""
    n = T.shape[0]
    size = min(n, k + n_oversamples)
    Q = linalg.qr(T @ rng.normal(size=(n, size)), mode="economic")[0]
    for _ in range(n_iter):
        Q = linalg.qr(T @ Q, mode="economic")[0]
    TQ = T @ Q
    w, V = linalg.eigh((Q.T @ TQ + TQ.T @ Q) / 2)
    return w[-k:], Q @ V[:, -k:]

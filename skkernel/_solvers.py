"""Linear algebra shared by the kernel estimators.

Dense kernel matrices built in place, Cholesky solves that overwrite their input,
jittered Cholesky for small possibly-singular blocks, preconditioned conjugate
gradients on many right-hand sides at once with a Nystroem preconditioner, and the
closed-form leave-one-out residuals of kernel ridge along a path of penalties.
"""

import warnings

import numpy as np
from scipy import linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._chunking import get_chunk_n_rows

from ._accel import get_backend
from ._accel._numpy import row_block_size

__all__ = [
    "NystroemPreconditioner",
    "cholesky_solve_inplace",
    "conjugate_gradient",
    "dense_kernel_matrix",
    "kernel_columns",
    "jittered_cholesky",
    "ridge_loo_path",
]


_MAX_BLOCK_ROWS = 256
_NUMBA_DENSE_FAMILIES = ("rbf", "laplacian", "matern")


def kernel_columns(kernel, X, Y, out=None):
    """The dense n x m block K(X, Y), written block by block into one array
    (``out``, a C-contiguous n x m array in X's dtype, if given).

    Whole-matrix pairwise code holds two or three n x m temporaries; here only a few
    hundred rows of them exist next to the result.

    The exponential families (RBF, Laplacian, Matern) in float64 are filled by the
    numba backend's fused pass instead: no temporaries at all, and a vectorised exp
    where numpy's float64 exp is scalar (2-4x faster). The dot-product kernels stay
    with sklearn (their cost is the GEMM either way), as does float32, which sklearn
    computes through float64 distances.
    """
    spec = kernel._spec(X.shape[1])
    numba = get_backend("numba")
    if (
        spec is not None
        and spec.family in _NUMBA_DENSE_FAMILIES
        and X.dtype == np.float64
        and Y.dtype == np.float64
        and numba.available() is None
    ):
        return numba.dense(kernel, spec, numba.prepare(X, spec), numba.prepare(Y, spec), out)
    K = np.empty((X.shape[0], Y.shape[0]), dtype=X.dtype) if out is None else out
    # Blocks of a few hundred rows keep BLAS efficient; the cap keeps the temporaries
    # small next to K even when working_memory would allow a block as large as K.
    step = min(row_block_size(X.shape[0], Y.shape[0], X.dtype.itemsize), _MAX_BLOCK_ROWS)
    for start in range(0, X.shape[0], step):
        K[start : start + step] = kernel._compute(X[start : start + step], Y)
    return K


def dense_kernel_matrix(kernel, X, row_scale=None, out=None):
    """The dense Gram matrix K(X, X), written block by block into one array.

    Only one block of rows of temporaries (sized by ``working_memory``) exists next to
    the result, so the peak is one n x n array in the dtype of X, not the two or three
    a whole-matrix pairwise computation takes.

    Parameters
    ----------
    kernel : Kernel
    X : ndarray of shape (n_samples, n_features), validated
    row_scale : ndarray of shape (n_samples,), default=None
        If given, returns ``diag(s) K diag(s)`` (square roots of sample weights).
    out : ndarray of shape (n_samples, n_samples), default=None
        C-contiguous, in X's dtype: filled and returned instead of a new array
        (a caller computing many Gram matrices reuses one buffer).

    Returns
    -------
    K : ndarray of shape (n_samples, n_samples), C-contiguous, dtype of X
    """
    K = kernel_columns(kernel, X, X, out)
    if row_scale is not None:
        K *= row_scale[:, None]
        K *= row_scale[None, :]
    # A row block against all of X computes k(x_i, x_i) through distances that are
    # only zero up to rounding; the paired kernel gives the exact diagonal, as a
    # whole-matrix computation (which zeroes self-distances) would.
    diag = kernel._paired(X, X)
    if row_scale is not None:
        diag = diag * row_scale**2
    np.fill_diagonal(K, diag)
    return K


#: Above this order, factor by blocks (see _blocked_cholesky_inplace).
_DIRECT_CHOLESKY_MAX = 12000
_CHOLESKY_BLOCK = 2048


def cholesky_solve_inplace(A, B):
    """Solve ``A x = B`` for symmetric positive definite A, overwriting A.

    The factor is written over A, so no second n x n array is allocated. On failure
    (A not numerically positive definite) raises :class:`numpy.linalg.LinAlgError`
    and A holds a partial factor.
    """
    # A is symmetric, so its C-ordered buffer read in Fortran order (A.T) is the same
    # matrix; passing that view lets LAPACK work in place instead of copying.
    F = A.T
    if F.shape[0] <= _DIRECT_CHOLESKY_MAX:
        factor = linalg.cho_factor(F, lower=True, overwrite_a=True, check_finite=False)
    else:
        factor = (_blocked_cholesky_inplace(F), True)
    return linalg.cho_solve(factor, B, check_finite=False)


def _blocked_cholesky_inplace(A, block=None):
    """Lower Cholesky factor of the Fortran-ordered A, in place, by blocks.

    LAPACK's ``potrf`` on the diagonal blocks, a triangular solve for the panel below
    and GEMM updates of the trailing lower triangle, one block column at a time. The
    arithmetic is that of ``potrf``; doing it here sidesteps multi-threaded OpenBLAS
    ``potrf``, which crashes on matrices of order ~16,000 and more (OpenBLAS 0.3.31,
    seen with numpy and scipy alike). Temporaries: one n x block panel.
    """
    n = A.shape[0]
    block = block or _CHOLESKY_BLOCK
    for k in range(0, n, block):
        end = min(k + block, n)
        L11 = linalg.cholesky(A[k:end, k:end], lower=True, check_finite=False)
        A[k:end, k:end] = L11
        if end == n:
            break
        panel = linalg.solve_triangular(L11, A[end:, k:end].T, lower=True, check_finite=False).T
        A[end:, k:end] = panel
        # One product buffer for the whole sweep (a fresh one per GEMM pays page faults).
        product = np.empty((n - end, block), dtype=A.dtype, order="F")
        for j in range(end, n, block):
            j_end = min(j + block, n)
            out = product[: n - j, : j_end - j]
            np.matmul(panel[j - end :], panel[j - end : j_end - end].T, out=out)
            A[j:, j:j_end] -= out
    return A


def jittered_cholesky(A, max_tries=8):
    """Lower Cholesky factor of a symmetric PSD matrix, adding jitter if needed.

    Small kernel blocks (Nystroem landmarks) are often singular to working precision
    (duplicate points, smooth kernels). Starting from a jitter of ``eps * mean(diag)``,
    the diagonal shift is increased tenfold until the factorisation succeeds.

    Returns
    -------
    L : ndarray, lower triangular
    jitter : float
        The shift added to the diagonal (0.0 if none was needed).
    """
    A = np.asarray(A)
    scale = max(float(np.mean(np.abs(np.diag(A)))), np.finfo(A.dtype).tiny)
    jitter = 0.0
    for attempt in range(max_tries + 1):
        try:
            shifted = A + jitter * np.eye(A.shape[0], dtype=A.dtype) if jitter else A
            return linalg.cholesky(shifted, lower=True, check_finite=False), jitter
        except linalg.LinAlgError:
            jitter = np.finfo(A.dtype).eps * scale * A.shape[0] * 10.0**attempt
    raise linalg.LinAlgError(
        "The kernel block is not positive semi-definite even after adding "
        f"{jitter:.3g} to its diagonal; is the kernel positive definite?"
    )


class NystroemPreconditioner:
    """Randomized Nystroem preconditioner for ``(D K D + alpha I) x = b``.

    From the kernel columns of ``m`` landmark points, the Nystroem approximation
    ``K_nm K_mm^+ K_mn = U diag(lam) U^T`` (rank <= m) is formed with ``U`` orthonormal.
    Following Frangella, Tropp & Udell (2023), "Randomized Nystroem preconditioning",
    the inverse preconditioner is

    ``P^-1 = (lam_min + alpha) U diag(1 / (lam + alpha)) U^T + (I - U U^T)``,

    which maps the large eigenvalues of the system onto ~``lam_min + alpha`` and leaves
    the rest alone, so CG converges in a number of steps that depends on how fast the
    kernel spectrum decays past the m-th eigenvalue rather than on n.

    Memory: two n x m arrays while building, one (U) kept.

    Parameters
    ----------
    columns : ndarray of shape (n_samples, m)
        Kernel columns ``K[:, landmarks]`` (unscaled); overwritten.
    landmarks : ndarray of int of shape (m,)
        Which samples the columns belong to.
    row_scale : ndarray of shape (n_samples,), default=None
        Square roots of sample weights (the system is ``D K D``).
    """

    def __init__(self, columns, landmarks, row_scale=None):
        C = np.asarray(columns, dtype=np.float64)  # small dense algebra in double
        W = C[landmarks]
        L, _ = jittered_cholesky((W + W.T) / 2)
        if row_scale is not None:
            C = C * row_scale[:, None]
        # B B^T = C W^-1 C^T for B^T = L^-1 C^T; the right singular vectors and squared
        # singular values of B^T are the Nystroem eigenpairs. C^T is a Fortran-ordered
        # view, so the triangular solve and the SVD both overwrite it in place: the
        # only other n x m array is the singular vectors.
        Bt = linalg.solve_triangular(L, C.T, lower=True, overwrite_b=True, check_finite=False)
        del C
        _, s, Vt = linalg.svd(Bt, full_matrices=False, overwrite_a=True, check_finite=False)
        del Bt
        lam = s**2
        keep = lam > np.finfo(np.float64).eps * max(lam.max(initial=0.0), 1.0) * len(landmarks)
        self.U_ = Vt[keep].T
        self.eigenvalues_ = lam[keep]

    @staticmethod
    def choose_landmarks(n_samples, n_components, random_state=None):
        """``min(n_components, n_samples)`` distinct indices, uniformly at random, sorted."""
        rng = check_random_state(random_state)
        m = min(int(n_components), n_samples)
        return np.sort(rng.choice(n_samples, size=m, replace=False))

    def apply(self, R, alphas):
        """``P^-1 R`` for each column ``R[:, j]`` with its own ``alphas[j]``."""
        if self.eigenvalues_.size == 0:
            return R.copy()
        lam_min = self.eigenvalues_[-1]
        scale = (lam_min + alphas[None, :]) / (self.eigenvalues_[:, None] + alphas[None, :])
        UtR = self.U_.T @ R
        return R + self.U_ @ ((scale - 1.0) * UtR)


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

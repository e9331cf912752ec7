"""Cholesky factorisations that hold one n x n array: in place, by blocks, with jitter;
and the least-squares solve that stands in where a symmetric system is singular."""

import warnings

import numpy as np
from scipy import linalg

__all__ = [
    "cholesky_inplace",
    "cholesky_solve_inplace",
    "cholesky_workspace_nbytes",
    "jittered_cholesky",
    "symmetric_lstsq",
]


#: Above this order, factor by blocks (see _blocked_cholesky_inplace).
_DIRECT_CHOLESKY_MAX = 12000
_CHOLESKY_BLOCK = 2048


def cholesky_workspace_nbytes(n, dtype):
    """Bytes :func:`cholesky_solve_inplace` allocates beside A for an order-n matrix:
    the panel and the product buffer of the blocked factorisation (LAPACK's own
    factorisation below ``_DIRECT_CHOLESKY_MAX`` works in place)."""
    if n <= _DIRECT_CHOLESKY_MAX:
        return 0
    return 2 * n * _CHOLESKY_BLOCK * np.dtype(dtype).itemsize


def cholesky_inplace(F):
    """Lower Cholesky factor of the symmetric Fortran-ordered F, written over F, and
    an estimate of its reciprocal condition number.

    Returns ``(factor, rcond)``, ``factor`` as :func:`scipy.linalg.cho_factor` gives
    it. Raises :class:`numpy.linalg.LinAlgError` where F is not numerically positive
    definite (F then holds a partial factor). A factor can succeed where rounding left
    a matrix that is singular in exact arithmetic just positive: ``rcond`` (LAPACK's
    estimate from F's 1-norm, taken before F is overwritten) says so.
    """
    lange, pocon = linalg.lapack.get_lapack_funcs(("lange", "pocon"), (F,))
    norm = lange("1", F)
    if F.shape[0] <= _DIRECT_CHOLESKY_MAX:
        factor = linalg.cho_factor(F, lower=True, overwrite_a=True, check_finite=False)
    else:
        factor = (_blocked_cholesky_inplace(F), True)
    rcond, _ = pocon(factor[0], norm, uplo="L")
    return factor, rcond


def cholesky_solve_inplace(A, B):
    """Solve ``A x = B`` for symmetric positive definite A, overwriting A.

    The factor is written over A, so no second n x n array is allocated. On failure
    (A not numerically positive definite) raises :class:`numpy.linalg.LinAlgError`
    and A holds a partial factor. A factor whose reciprocal condition number is below
    eps gives a :class:`scipy.linalg.LinAlgWarning`, as scipy's ``solve`` (and so
    scikit-learn's KernelRidge) does: the solution may have lost every digit.
    """
    # A is symmetric, so its C-ordered buffer read in Fortran order (A.T) is the same
    # matrix; passing that view lets LAPACK work in place instead of copying.
    factor, rcond = cholesky_inplace(A.T)
    if rcond < np.finfo(A.dtype).eps:
        warnings.warn(
            f"Ill-conditioned matrix (rcond={rcond:.6g}): result may not be accurate.",
            linalg.LinAlgWarning,
            stacklevel=3,
        )
    return linalg.cho_solve(factor, B, check_finite=False)


def symmetric_lstsq(A, B, overwrite_a=False):
    """Minimum-norm least-squares solution of ``A x = B`` for a symmetric A.

    Singular values within rounding of zero, below ``n eps sigma_max`` (the cutoff of
    numpy's ``lstsq`` and scipy's ``pinvh``), count as zero. scipy's ``lstsq`` cuts
    at ``eps sigma_max``, which keeps some rounding-level singular values of a
    singular A: their directions then move the solution by whatever part of B they
    happen to catch (1e-2 in the fit of a kernel matrix of repeated rows).

    Parameters
    ----------
    A : ndarray of shape (n, n)
        Symmetric matrix; overwritten where ``overwrite_a`` (read in Fortran order,
        which for a symmetric C-ordered array is the same matrix, so LAPACK needs no
        copy).
    B : ndarray of shape (n,) or (n, k)
        Right-hand sides.
    overwrite_a : bool, default=False
        Whether A may be destroyed.

    Returns
    -------
    x : ndarray of shape (n,) or (n, k)
    """
    cutoff = A.shape[0] * np.finfo(A.dtype).eps
    return linalg.lstsq(A.T, B, cond=cutoff, overwrite_a=overwrite_a, check_finite=False)[0]


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


def jittered_cholesky(A, max_tries=8, eps=None):
    """Lower Cholesky factor of a symmetric PSD matrix, adding jitter if needed.

    Small kernel blocks (Nystroem landmarks) are often singular to working precision
    (duplicate points, smooth kernels). Starting from a jitter of
    ``eps * mean(diag) * n``, the diagonal shift is increased tenfold until the
    factorisation succeeds.

    Parameters
    ----------
    A : ndarray of shape (n, n)
        Symmetric, positive semi-definite up to rounding.
    max_tries : int, default=8
        Jitters tried after the unshifted attempt.
    eps : float, default=None
        Relative precision of A's entries; None means machine epsilon of A's dtype.
        Pass float32's when A holds kernel values computed from float32 data and
        converted: they are positive semi-definite only to float32 precision.

    Returns
    -------
    L : ndarray, lower triangular
        In Fortran order (as scipy's Cholesky returns it), a new array: A is left
        as it was.
    jitter : float
        The shift added to the diagonal (0.0 if none was needed).

    Raises
    ------
    numpy.linalg.LinAlgError
        If even the largest jitter fails; the message gives that jitter.
    """
    A = np.asarray(A)
    eps = np.finfo(A.dtype).eps if eps is None else eps
    scale = max(float(np.mean(np.abs(np.diag(A)))), np.finfo(A.dtype).tiny)
    diagonal = np.diag_indices_from(A)
    jitter = 0.0
    # One copy, in LAPACK's (Fortran) order, factored in place and refilled from A
    # for each jitter: A and the factor are the only n x n arrays (an identity, its
    # shifted copy and the factor's own copy took three more).
    shifted = np.empty_like(A, order="F")
    for attempt in range(max_tries + 1):
        np.copyto(shifted, A)
        if jitter:
            shifted[diagonal] += jitter
        try:
            factor = linalg.cholesky(shifted, lower=True, overwrite_a=True, check_finite=False)
            return factor, jitter
        except linalg.LinAlgError:
            if attempt == max_tries:
                break
            jitter = eps * scale * A.shape[0] * 10.0**attempt
    raise linalg.LinAlgError(
        "The kernel block is not positive semi-definite even after adding "
        f"{jitter:.3g} to its diagonal; is the kernel positive definite?"
    )


def inverse_diagonal(L):
    """The diagonal of ``(L L^T)^-1`` from the lower Cholesky factor L.

    The squared column norms of ``L^-1``, which LAPACK's triangular inverse (trtri)
    forms in about n^3 / 3 operations: a third of a triangular solve against the
    identity, which treats the identity's columns as full.

    Parameters
    ----------
    L : ndarray of shape (n, n)
        Lower triangular with a positive diagonal (its upper triangle zero).

    Returns
    -------
    diagonal : ndarray of shape (n,)
    """
    (trtri,) = linalg.get_lapack_funcs(("trtri",), (L,))
    L_inv, info = trtri(L, lower=1)
    if info != 0:
        raise linalg.LinAlgError(f"The Cholesky factor is singular (LAPACK trtri info={info}).")
    return np.einsum("ij,ij->j", L_inv, L_inv)

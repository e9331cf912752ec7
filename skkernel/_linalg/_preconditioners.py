"""The randomized Nystroem preconditioner of kernel ridge's conjugate gradients."""

import numpy as np
from scipy import linalg
from sklearn.utils import check_random_state

from ._cholesky import jittered_cholesky

__all__ = ["NystroemPreconditioner"]


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
        # Small dense algebra in double; the kernel values are only as precise as
        # their dtype, and so is the positive definiteness of W.
        eps = np.finfo(np.asarray(columns).dtype).eps
        C = np.asarray(columns, dtype=np.float64)
        W = C[landmarks]
        L, _ = jittered_cholesky((W + W.T) / 2, eps=eps)
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
        # The singular values come in decreasing order, so the kept ones lead: a
        # slice, not a mask, keeps U a view (a masked copy was a third n x m array).
        rank = int(np.count_nonzero(keep))
        self.U_ = Vt[:rank].T
        self.eigenvalues_ = lam[:rank]

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

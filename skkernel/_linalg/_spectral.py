"""Functions of a symmetric matrix, and kernel ridge with a spectrally transformed kernel.

A spectrally transformed kernel (Zhai et al., "Spectrally Transformed Kernel
Regression", ICLR 2024) is ``K_s = N s(T)`` on the fitted rows, where T = G / N is the
base Gram matrix over the number of rows and ``s`` acts on its eigenvalues. Every
transform here is written ``s(lam) = lam r(lam)``, because a model that predicts new
points with the base kernel, ``f(x) = sum_j k(x, x_j) theta_j``, has ``theta = r(T) E a``
(E: the labelled rows, a: the ridge coefficients).

:class:`SpectralFunction` subclasses apply ``s(T)`` and ``r(T)`` to blocks of vectors
given T as a dense array or as anything with ``@`` (a kernel operator, a sparse graph):

- :class:`PolynomialFunction`: ``s = sum_p pi_p lam^p`` by Horner's rule, q - 1
  products for ``r(T) V`` (the STKR-Prop recursion, paper Algorithm 1);
- :class:`ResolventFunction`: ``s = lam / (1 - eta lam)``, the inverse Laplacian
  (Algorithm 2): ``r(T) V = (I - eta T)^-1 V``, by Cholesky on an array and by
  conjugate gradients on an operator;
- :class:`TruncationFunction`: the indicator of the top d eigenvalues (kernel PCA);
- :class:`EigenFunction`: any ``s``, through a full eigendecomposition of an array.

:func:`transformed_ridge` solves the ridge system on the labelled rows with one of
them. Nothing here knows what a kernel or a backend is.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from ._cg import conjugate_gradient
from ._cholesky import cholesky_inplace, cholesky_workspace_nbytes, symmetric_lstsq
from ._eigen import rounding_level, top_eigenpairs
from ._psd import symmetrize

__all__ = [
    "EigenFunction",
    "PolynomialFunction",
    "ResolventFunction",
    "SpectralFunction",
    "TruncationFunction",
    "eigen_ridge",
    "transformed_ridge",
]


class SpectralFunction:
    """A function ``s(lam) = lam r(lam)`` of the spectrum of a symmetric T.

    :meth:`fit` takes T (a dense array, or any object with ``shape`` and ``@``);
    :meth:`apply` and :meth:`ratio` then return ``s(T) V`` and ``r(T) V``;
    :meth:`on_spectrum` evaluates s and r on given eigenvalues (for callers that know
    an eigendecomposition themselves). ``n_products_`` counts products with T since
    :meth:`fit`.
    """

    #: Whether :meth:`fit` computes eigenpairs (``eigenvalues_``, ``eigenvectors_``).
    spectral = False
    #: How many arrays of T's size :meth:`fit` allocates beside a dense T (a
    #: factorisation's copy, eigenvectors), for memory checks before T is formed.
    dense_copies = 0
    #: Whether :meth:`apply` on an operator T runs an iterative solve of its own:
    #: conjugate gradients around it would nest two iterations.
    nested_solves = False

    def dense_workspace_nbytes(self, n):
        """Bytes of temporaries :meth:`fit` allocates on a dense T of order n beside
        its ``dense_copies`` arrays (a blocked factorisation's panels)."""
        return 0

    def fit(self, T):
        self.T_ = T
        self.n_products_ = 0
        return self

    def _product(self, V):
        self.n_products_ += 1
        return np.asarray(self.T_ @ V, dtype=np.float64)

    def apply(self, V):
        """``s(T) V = T r(T) V``."""
        return self._product(self.ratio(V))

    def apply_rows(self, V, rows):
        """``(s(T) V)[rows]``: only those rows of T times ``r(T) V`` where T is an
        array or a sparse matrix (the labelled block needs n_labelled of N rows: 17%
        of a direct STKR fit at 3,000 rows went to the others); all of ``s(T) V``,
        then its rows, for an operator."""
        R = self.ratio(V)
        if isinstance(self.T_, np.ndarray) or sp.issparse(self.T_):
            self.n_products_ += 1
            return np.asarray(self.T_[rows] @ R, dtype=np.float64)
        return self._product(R)[rows]

    def ratio(self, V):
        """``r(T) V`` with ``r(lam) = s(lam) / lam``."""
        raise NotImplementedError

    def on_spectrum(self, eigenvalues):
        """``(s(lam), r(lam))`` on an array of eigenvalues (in any order)."""
        raise NotImplementedError


class PolynomialFunction(SpectralFunction):
    """``s(lam) = sum_{p=1}^q coefs[p-1] lam^p``, applied by Horner's rule.

    Parameters
    ----------
    coefs : array-like of shape (q,)
        Non-negative coefficients of ``lam, lam^2, ..., lam^q``.
    """

    def __init__(self, coefs):
        self.coefs = np.asarray(coefs, dtype=np.float64)

    def ratio(self, V):
        # r(lam) = sum_p coefs[p-1] lam^(p-1): Horner from the top coefficient down.
        V = np.asarray(V, dtype=np.float64)
        H = self.coefs[-1] * V
        for c in self.coefs[-2::-1]:
            H = self._product(H)
            if c:
                H += c * V
        return H

    def on_spectrum(self, eigenvalues):
        lam = np.asarray(eigenvalues, dtype=np.float64)
        r = np.polyval(self.coefs[::-1], lam)
        return lam * r, r


#: How far below 1 the operator path keeps eta lambda_max: the tolerance of the
#: Lanczos estimate of lambda_max, and the least distance from singular at which the
#: inner conjugate gradients of (I - eta T)^-1 stay accurate.
_RESOLVENT_MARGIN = 1e-6
#: Kernel PCA's largest residual-to-eigenvalue ratio ``|T u - lam u| / lam``: how far
#: the extension ``T u / lam``, by which every row is predicted, may stray from u.
_EXTENSION_ACCURACY = 1e-3


#: An operator T of at most this order has its top eigenvalue found from T itself.
_FORMED_MAX = 16


class ResolventFunction(SpectralFunction):
    """The inverse Laplacian ``s(lam) = lam / (1 - eta lam)``: ``r(T) = (I - eta T)^-1``.

    Needs ``eta lam_max(T) < 1``, so that ``I - eta T`` is positive definite.

    Parameters
    ----------
    eta : float
        Positive, below ``1 / lam_max(T)``.
    tol : float, default=1e-10
        Relative residual of the conjugate-gradient solves (operators only).
    max_iter : int, default=1000
        Most conjugate-gradient iterations per solve.
    lambda_max : float, default=None
        The largest eigenvalue of T when the caller knows it; otherwise an operator's
        is estimated by Lanczos and an array's found by the Cholesky factorisation.
    """

    dense_copies = 1

    @property
    def nested_solves(self):
        """Without a Cholesky factor (an operator T), applying runs conjugate gradients."""
        return self.factor_ is None

    def dense_workspace_nbytes(self, n):
        # I - eta T is factored in place, by blocks above LAPACK's size.
        return cholesky_workspace_nbytes(n, np.float64)

    def __init__(self, eta, *, tol=1e-10, max_iter=1000, lambda_max=None):
        self.eta = float(eta)
        self.tol = tol
        self.max_iter = max_iter
        self.lambda_max = lambda_max

    def fit(self, T):
        super().fit(T)
        self.n_iter_ = 0
        self.factor_ = None
        dense = isinstance(T, np.ndarray)
        if self.lambda_max is not None:
            # The inner conjugate gradients solve I - eta T, whose condition number is
            # 1 / (1 - eta lambda_max), only to a relative residual: within 1e-6 of
            # singular they return wrong solutions without failing. A Cholesky factor
            # fails instead (below), so the dense path needs no margin.
            self._check_eta(self.lambda_max * (1 if dense else 1 + _RESOLVENT_MARGIN))
        if dense:
            # I - eta T as one new array (np.eye(n) - eta * T would hold three).
            A = T * -self.eta
            A[np.diag_indices_from(A)] += 1.0
            try:
                # A.T: the Fortran-ordered view of the symmetric A, factored in place.
                self.factor_, rcond = cholesky_inplace(A.T)
                # The factorisation can also succeed where I - eta T is singular in
                # exact arithmetic and rounding left it just positive (eta = 1 /
                # lam_max of an RBF graph, whose lam_max is 1): its solves are noise.
                if rcond < T.shape[0] * np.finfo(np.float64).eps:
                    raise linalg.LinAlgError("singular to working precision")
            except linalg.LinAlgError:
                self.factor_ = None
                top = linalg.eigvalsh(T, subset_by_index=[T.shape[0] - 1] * 2)[0]
                self._check_eta(top)
                # eta lam_max rounds to just below 1: singular to working precision.
                raise ValueError(
                    f"I - eta G / N is singular to working precision at eta={self.eta:g} "
                    f"(eta * lambda_max = {self.eta * top:.12g}); choose a smaller eta."
                ) from None
        elif self.lambda_max is None and T.shape[0] <= _FORMED_MAX:
            # Lanczos needs n > 1; a T this small is formed in one product.
            formed = self._product(np.eye(T.shape[0]))
            self._check_eta(linalg.eigvalsh((formed + formed.T) / 2)[-1])
        elif self.lambda_max is None:
            top, _, n_products = top_eigenpairs(T, 1, method="arpack", tol=1e-6, random_state=0)
            self.n_products_ += n_products
            # Lanczos converges to lam_max from below: its tolerance is the margin.
            self._check_eta(top[0] * (1 + _RESOLVENT_MARGIN))
        return self

    def _check_eta(self, lambda_max):
        if self.eta * lambda_max >= 1:
            raise ValueError(
                f"eta={self.eta:g} is not below 1 / lambda_max = {1 / lambda_max:.6g} "
                f"(the largest eigenvalue of G / N is {lambda_max:.6g}), so I - eta G / N "
                "is not positive definite; choose a smaller eta."
            )

    def ratio(self, V):
        V = np.asarray(V, dtype=np.float64)
        vector = V.ndim == 1
        V = V.reshape(V.shape[0], -1)
        if self.factor_ is not None:
            out = linalg.cho_solve(self.factor_, V, check_finite=False)
        else:

            def matmat(P, columns):
                return P - self.eta * self._product(P)

            out, n_iter, _ = conjugate_gradient(
                matmat,
                V,
                tol=self.tol,
                max_iter=self.max_iter,
                advice="Increase max_iter or lower eta.",
            )
            self.n_iter_ += n_iter
        return out.ravel() if vector else out

    def on_spectrum(self, eigenvalues):
        lam = np.asarray(eigenvalues, dtype=np.float64)
        self._check_eta(float(lam.max(initial=0.0)))
        r = 1.0 / (1.0 - self.eta * lam)
        return lam * r, r


class _EigenBased(SpectralFunction):
    """A function applied through eigenpairs of T, ``s(T) = U diag(s) U^T``.

    After :meth:`fit`: ``eigenvalues_`` (decreasing), ``eigenvectors_``, and the
    function's ``values_`` and ``ratios_`` on them.
    """

    spectral = True

    def _set_spectrum(self, eigenvalues, eigenvectors):
        self.eigenvalues_ = eigenvalues
        self.eigenvectors_ = eigenvectors
        self.values_, self.ratios_ = self.on_spectrum(eigenvalues)

    def apply(self, V):
        U = self.eigenvectors_
        return U @ (self.values_[:, None] * (U.T @ V).reshape(U.shape[1], -1)).reshape(
            (U.shape[1],) + np.shape(V)[1:]
        )

    def apply_rows(self, V, rows):
        return self.apply(V)[rows]

    def ratio(self, V):
        U = self.eigenvectors_
        return U @ (self.ratios_[:, None] * (U.T @ V).reshape(U.shape[1], -1)).reshape(
            (U.shape[1],) + np.shape(V)[1:]
        )


class TruncationFunction(_EigenBased):
    """Kernel PCA: ``s`` is the indicator of the top ``n_components`` eigenvalues.

    Parameters
    ----------
    n_components : int
        How many eigenpairs are kept.
    eigen_solver : {"dense", "arpack", "lobpcg", "randomized"}, default="arpack"
        How they are found (see :func:`~skkernel._linalg.top_eigenpairs`).
    tol : float, default=1e-8
        Tolerance of the iterative eigensolvers.
    max_iter : int, default=None
        Most iterations of the iterative eigensolvers.
    random_state : int, RandomState instance or None, default=None
        Starting vectors of the iterative eigensolvers.
    known : tuple (eigenvalues, eigenvectors), default=None
        Eigenpairs of T known to be among the largest (see
        :func:`~skkernel._linalg.top_eigenpairs`).
    """

    dense_copies = 1

    def __init__(
        self,
        n_components,
        *,
        eigen_solver="arpack",
        tol=1e-8,
        max_iter=None,
        random_state=None,
        known=None,
    ):
        self.n_components = int(n_components)
        self.eigen_solver = eigen_solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.known = known

    def fit(self, T):
        super().fit(T)
        w, U, n_products = top_eigenpairs(
            T,
            self.n_components,
            method=self.eigen_solver,
            tol=self.tol,
            max_iter=self.max_iter,
            random_state=self.random_state,
            known=self.known,
        )
        self.n_products_ += n_products
        floor = rounding_level(w, T.shape[0])
        if w[-1] <= floor:
            raise ValueError(
                f"Only {int(np.sum(w > floor))} of the top n_components={self.n_components} "
                "eigenvalues of G / N are positive; kernel PCA needs positive ones. Lower "
                "n_components."
            )
        # Every row is predicted through T u / lam, which equals u only up to the
        # eigenpair's residual over lam: an eigenvalue near the eigensolver's accuracy
        # (or rounding) turns its error into arbitrarily large predictions.
        residual = np.linalg.norm(self._product(U) - U * w, axis=0)
        unresolved = np.flatnonzero(residual > _EXTENSION_ACCURACY * w)
        if unresolved.size:
            i = unresolved[0]
            raise ValueError(
                f"Only {i} of the top n_components={self.n_components} eigenvalues of "
                f"G / N are resolved: eigenvalue {i + 1}, {w[i]:.3g}, is less than "
                f"{1 / _EXTENSION_ACCURACY:g} times its eigenpair's residual "
                f"({residual[i]:.3g}), and kernel PCA divides by it. Lower n_components"
                + ("." if self.eigen_solver == "dense" else ", or tol.")
            )
        self._set_spectrum(w, U)
        return self

    def on_spectrum(self, eigenvalues):
        lam = np.asarray(eigenvalues, dtype=np.float64)
        s = np.zeros_like(lam)
        s[np.argsort(lam)[::-1][: self.n_components]] = 1.0
        r = np.divide(s, lam, out=np.zeros_like(lam), where=s > 0)
        return s, r


class EigenFunction(_EigenBased):
    """Any ``s``, applied through the full eigendecomposition of a dense T.

    Parameters
    ----------
    function : callable
        ``function(eigenvalues) -> s(eigenvalues)``, elementwise on an array; must be
        finite and non-negative on the spectrum (so that ``N s(T)`` is a kernel) and
        vanish where the eigenvalue does (``s(lam) = lam r(lam)``).
    """

    dense_copies = 2

    def __init__(self, function):
        self.function = function

    def fit(self, T):
        super().fit(T)
        if not isinstance(T, np.ndarray):
            raise TypeError(
                "A callable transform needs the dense eigendecomposition of G / N; use "
                "solver='direct', or a polynomial, inverse_laplacian or kpca transform."
            )
        w, U = linalg.eigh(T, driver="evr", check_finite=False)
        self._set_spectrum(w[::-1], U[:, ::-1])
        return self

    def on_spectrum(self, eigenvalues):
        lam = np.asarray(eigenvalues, dtype=np.float64)
        # Eigenvalues that are zero up to rounding carry no direction a kernel expansion
        # can reach (s(lam) = lam r(lam) has r = 0 there), and the eigensolver returns
        # some a hair below zero: the transform sees them as the zeros they are (a
        # square root would give NaN on -1e-16).
        nonzero = np.abs(lam) > rounding_level(lam)
        lam = np.where(nonzero, lam, 0.0)
        s = np.asarray(self.function(lam), dtype=np.float64)
        if s.shape != lam.shape:
            raise ValueError(
                f"The transform returned shape {s.shape} for {lam.shape[0]} eigenvalues; "
                "it must work elementwise on an array."
            )
        if not np.all(np.isfinite(s)):
            raise ValueError("The transform returned NaN or infinity on the spectrum of G / N.")
        if np.any(s < -1e-12 * max(float(np.abs(s).max()), 1e-300)):
            raise ValueError(
                "The transform is negative on the spectrum of G / N (at eigenvalue "
                f"{lam[np.argmin(s)]:.3g}); s must be non-negative for N s(G / N) to be a "
                "kernel."
            )
        s = np.maximum(s, 0.0)
        # s(lam) = lam r(lam) must vanish at 0: with s(0) > 0, r = s / lam on the
        # eigenvalues near 0 multiplies their rounding into huge coefficients.
        at_zero = float(np.asarray(self.function(np.zeros(1)), dtype=np.float64).ravel()[0])
        if not abs(at_zero) <= 1e-12 * max(float(s.max(initial=0.0)), 1e-300):
            raise ValueError(
                f"The transform must vanish at 0 (s(lam) = lam r(lam)); s(0) = {at_zero:.3g}."
            )
        r = np.divide(s, lam, out=np.zeros_like(lam), where=nonzero)
        return np.where(nonzero, s, 0.0), r


def eigen_ridge(U_labeled, values, Y, alpha, scale):
    """Ridge on the labelled rows with ``K_s = scale U diag(values) U^T``, in its r
    eigen-directions.

    With ``Psi = sqrt(scale) U_n diag(sqrt(values))`` (the labelled rows' features),
    ``(Psi Psi^T + alpha I)^-1 Y`` has ``Psi^T a = w = (Psi^T Psi + alpha I)^-1 Psi^T Y``:
    an r x r system whatever the number of labelled rows (kernel PCA regression's
    feature form). Directions with ``values == 0`` are dropped.

    Parameters
    ----------
    U_labeled : ndarray of shape (n_labeled, r)
        The eigenvectors' rows at the labelled samples.
    values : ndarray of shape (r,)
        ``s`` on the eigenvalues, non-negative.
    Y : ndarray of shape (n_labeled, n_targets)
        Targets.
    alpha : float
        Ridge, non-negative.
    scale : float
        N, the number of fitted rows.

    Returns
    -------
    w : ndarray of shape (r, n_targets)
        ``Psi^T a`` (zero in the dropped directions).
    """
    keep = values > 0
    # One copy of the labelled rows' features, scaled in place (the expression
    # ``sqrt(scale) * U[:, keep] * sqrt(values)`` held three of them).
    Psi = U_labeled[:, keep]
    Psi *= np.sqrt(scale)
    Psi *= np.sqrt(values[keep])
    A = Psi.T @ Psi
    A.flat[:: A.shape[0] + 1] += alpha
    rhs = Psi.T @ Y
    try:
        w_kept = linalg.solve(A, rhs, assume_a="pos", check_finite=False)
    except linalg.LinAlgError:
        w_kept = symmetric_lstsq(A, rhs)
    w = np.zeros((values.size, Y.shape[1]))
    w[keep] = w_kept
    return w


def transformed_ridge(
    function,
    labeled,
    Y,
    alpha,
    scale,
    *,
    solver="direct",
    tol=1e-6,
    max_iter=1000,
    verbose=0,
    labelled_block=False,
):
    """Kernel ridge on the labelled rows with ``K_s = scale s(T)``; coefficients of
    the base kernel over all rows.

    Solves ``(scale E^T s(T) E + alpha I) a = Y`` (E: the labelled rows) and returns
    ``theta = r(T) E a``, so that ``f = scale T theta`` on the fitted rows and
    ``f(x) = sum_j k(x, x_j) theta_j`` elsewhere.

    - eigen-based functions (``function.spectral``): :func:`eigen_ridge`, then
      ``theta = U diag(r / sqrt(scale values)) w``;
    - ``solver="direct"``: the n x n block ``scale E^T s(T) E`` from ``s(T)`` applied to
      the labelled rows' indicator vectors, then Cholesky (least squares if singular);
    - ``solver="cg"``: conjugate gradients, one application of ``s(T)`` per iteration
      (STKR-Prop with CG in place of Richardson steps); but with ``labelled_block``,
      where applying ``s(T)`` runs conjugate gradients itself (the inverse
      Laplacian's resolvent) and the labelled rows' N-row blocks fit in
      ``working_memory``, the labelled block is built as for "direct", its inner
      solves sharing every pass over T (an RBF kernel at n = 2,000 with 100 labelled
      rows, on a busy machine: 6.7 s instead of 75 s of nested iterations). That
      pays where a pass costs about the same for many columns as for one (kernel
      matrices), not on a sparse graph.

    Parameters
    ----------
    function : SpectralFunction
        Fitted on T.
    labeled : ndarray of int of shape (n_labeled,)
        Indices of the labelled rows.
    Y : ndarray of shape (n_labeled, n_targets)
        Their targets.
    alpha : float
        Ridge.
    scale : float
        N.
    solver : {"direct", "cg"}, default="direct"
        See above.
    tol : float, default=1e-6
        Relative residual at which CG stops.
    max_iter : int, default=1000
        Most CG iterations.
    verbose : int, default=0
        If positive, CG shows a progress bar.
    labelled_block : bool, default=False
        Whether "cg" may build the labelled block by inner solves (see above).

    Returns
    -------
    theta : ndarray of shape (N, n_targets)
        Coefficients of the base kernel.
    n_iter : int
        CG iterations (1 for a direct solve; the inner solves' when the labelled
        block is built by them).
    """
    N = function.T_.shape[0]
    Y = np.asarray(Y, dtype=np.float64)
    if function.spectral:
        U, lam = function.eigenvectors_, function.eigenvalues_
        values, ratios = function.values_, function.ratios_
        w = eigen_ridge(U[labeled], values, Y, alpha, scale)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(values > 0, ratios / np.sqrt(scale * values), 0.0)
        del lam
        return U @ (factor[:, None] * w), 1

    def spread(A):
        """``E A``: the labelled rows' values in an N-row array."""
        out = np.zeros((N, A.shape[1]))
        out[labeled] = A
        return out

    block = labelled_block and function.nested_solves and _labelled_block_fits(N, labeled.size)
    if solver == "direct" or block:
        # E, s(T) E (and the application's temporary), then the n x n block in place:
        # labelled_block_nbytes counts them.
        indicators = np.zeros((N, labeled.size))
        indicators[labeled, np.arange(labeled.size)] = 1.0
        H = function.apply_rows(indicators, labeled)
        del indicators
        H *= scale
        a = _solve_shifted(symmetrize(H), alpha, Y)
        n_iter = max(1, getattr(function, "n_iter_", 1)) if solver == "cg" else 1
    else:

        def matmat(A, columns):
            return scale * function.apply(spread(A))[labeled] + alpha * A

        a, n_iter, _ = conjugate_gradient(
            matmat,
            Y.copy(),
            tol=tol,
            max_iter=max_iter,
            verbose=verbose,
            advice="Increase max_iter or alpha, or raise tol.",
        )
    return function.ratio(spread(a)), n_iter


#: N x n_labelled arrays that conjugate gradients on the labelled rows' indicators
#: hold at once (iterates, residuals, directions, products, the right-hand sides).
_CG_BLOCK_COPIES = 6


def labelled_block_nbytes(N, n_labelled):
    """Bytes :func:`transformed_ridge` allocates beside T to build the labelled block
    ``E^T s(T) E`` (solver "direct"): E and ``s(T) E`` with one temporary of their
    size inside the application (N x n_labelled each), then the block and its
    shifted copy (n_labelled x n_labelled each)."""
    return 8 * (3 * N * n_labelled + 2 * n_labelled**2)


def _labelled_block_fits(N, n_labelled):
    """Whether the inner solves of all labelled rows at once fit in working_memory."""
    from sklearn import get_config

    return _CG_BLOCK_COPIES * N * n_labelled * 8 <= get_config()["working_memory"] * 2**20


def _solve_shifted(H, alpha, Y):
    """``(H + alpha I)^-1 Y`` for symmetric PSD H; least squares where singular."""
    A = H.copy()
    A.flat[:: A.shape[0] + 1] += alpha
    try:
        return linalg.solve(A, Y, assume_a="pos", check_finite=False)
    except linalg.LinAlgError:
        warnings.warn(
            "Singular matrix in solving the ridge system on the labelled rows. Using "
            "least-squares solution instead; a positive alpha avoids this.",
            stacklevel=4,
        )
        return symmetric_lstsq(A, Y)

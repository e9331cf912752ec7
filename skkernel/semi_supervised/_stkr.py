"""Spectrally transformed kernel regression: SpectralKernelRidge and
SpectralKernelClassifier (Zhai, Pukdee, Jin, Balcan & Ravikumar, ICLR 2024)."""

import textwrap
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, Literal, TypeAlias

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MultiOutputMixin,
    RegressorMixin,
    clone,
)
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .._base import (
    BACKEND_CONSTRAINT,
    FLOAT_DTYPES,
    SPARSE_FORMATS,
    dense_features,
    fit_context,
    one_vs_rest_labels,
    one_vs_rest_targets,
)
from .._docs import fill_doc
from .._init_params import store_init_params
from .._linalg import (
    EigenFunction,
    PolynomialFunction,
    ResolventFunction,
    TruncationFunction,
    eigen_ridge,
    labelled_block_nbytes,
    rounding_level,
    transformed_ridge,
)
from .._memory import check_dense_fits, dense_nbytes, fits_in_memory
from .._typing import ArrayLike, BackendName, KernelLike, MatrixLike, NDArray, RandomStateLike
from ..kernels import (
    is_precomputed,
    kernel_from_params,
    kernel_input_tags,
    kernel_parameter_constraints,
)
from ._affinity import (
    KernelAffinity,
    NeighborAffinity,
    NystroemAffinity,
    PrecomputedAffinity,
    normalization,
    normalized_dense,
    normalized_operator,
)

__all__ = ["SpectralKernelClassifier", "SpectralKernelRidge"]

#: The named spectral transforms of ``spectral_transform=``.
SpectralTransform: TypeAlias = Literal["polynomial", "inverse_laplacian", "kpca"]
#: solver="auto" forms G densely up to this many fitted rows.
DIRECT_MAX_ROWS = 4000
#: ... but kernel PCA on the kNN graph only up to this many: Lanczos on the sparse
#: graph beat the dense eigendecomposition 3-15x from 500 rows (one thread, 10%
#: labelled, on blobs, moons, digits and unclustered data). The other transforms keep
#: DIRECT_MAX_ROWS: their conjugate gradients need hundreds of iterations on
#: clustered graphs (the inverse Laplacian on 2,000 moons: 1.71 s against 0.21 s).
GRAPH_KPCA_DIRECT_MAX_ROWS = 250
#: kernel PCA components per class when n_components is None (the classifier).
COMPONENTS_PER_CLASS = 2
#: kernel PCA components when n_components is None (the regressor).
DEFAULT_REGRESSION_COMPONENTS = 20
#: Fitted attributes only some fits have (kpca eigenpairs, Nystroem landmarks).
_OPTIONAL_STATE = frozenset({"eigenvalues_", "eigenvectors_", "components_", "_prepared"})


def _kernel_constraint():
    constraint = kernel_parameter_constraints(precomputed=True)["kernel"]
    names = constraint[0]
    return [StrOptions(set(names.options) | {"knn"}), *constraint[1:]]


class _SpectralKernelBase(BaseEstimator):
    """What both STKR estimators share: parameters, the fit on labelled targets, and
    the prediction ``f(x) = sum_j K(x, x_j) theta_j``."""

    _parameter_constraints = {
        **kernel_parameter_constraints(precomputed=True),
        "kernel": _kernel_constraint(),
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "neighbors_algorithm": [StrOptions({"auto", "ball_tree", "kd_tree", "brute", "nndescent"})],
        "normalize": [StrOptions({"symmetric", "none"})],
        "spectral_transform": [StrOptions({"polynomial", "inverse_laplacian", "kpca"}), callable],
        "power": [Interval(Integral, 1, None, closed="left")],
        "coefs": ["array-like", None],
        "eta": [Interval(Real, 0, None, closed="neither")],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"auto", "direct", "cg"})],
        "eigen_solver": [StrOptions({"auto", "dense", "arpack", "lobpcg", "randomized"})],
        "n_landmarks": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "backend": BACKEND_CONSTRAINT,
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        kernel: KernelLike = "knn",
        *,
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        n_neighbors: int = 10,
        neighbors_algorithm: Literal["auto", "ball_tree", "kd_tree", "brute", "nndescent"] = "auto",
        normalize: Literal["symmetric", "none"] = "symmetric",
        spectral_transform: SpectralTransform | Callable[..., Any] = "inverse_laplacian",
        power: int = 4,
        coefs: ArrayLike | None = None,
        eta: float = 0.9,
        n_components: int | None = None,
        alpha: float = 0.1,
        solver: Literal["auto", "direct", "cg"] = "auto",
        eigen_solver: Literal["auto", "dense", "arpack", "lobpcg", "randomized"] = "auto",
        n_landmarks: int | None = None,
        tol: float = 1e-6,
        max_iter: int = 1000,
        n_jobs: int | None = None,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        store_init_params(self, locals())

    # -- what kind of base kernel -------------------------------------------------------

    @property
    def _precomputed(self):
        return is_precomputed(self.kernel)

    @property
    def _neighbors(self):
        return isinstance(self.kernel, str) and self.kernel == "knn"

    def _validate_X(self, X, reset):
        # Sparse rows (a OneHotEncoder's) are accepted and made dense, as by every
        # kernel estimator here and by LabelSpreading.
        X = dense_features(
            validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES, reset=reset)
        )
        if reset and self._precomputed and X.shape[0] != X.shape[1]:
            raise ValueError(
                "With kernel='precomputed', X must be the square affinity matrix of the "
                f"training samples; got shape {X.shape}."
            )
        # Kernel values and the spectral algebra run in float64: powers of G / N and
        # solves with I - eta G / N lose float32's few digits quickly.
        return np.asarray(X, dtype=np.float64)

    def _check_settings(self, n_rows, n_targets):
        """Everything about the parameters that depends on the data, checked before
        any work or fitted state; returns the number of kernel PCA components."""
        if self.n_landmarks is not None and (self._neighbors or self._precomputed):
            raise ValueError(
                "n_landmarks (a Nystroem approximation) is for kernel functions; "
                f"kernel={self.kernel!r} is used exactly. Set n_landmarks=None."
            )
        if self.coefs is not None:
            coefs = np.asarray(self.coefs, dtype=np.float64)
            if coefs.ndim != 1 or coefs.size == 0 or not np.all(np.isfinite(coefs)):
                raise ValueError(
                    "coefs must be a non-empty 1-D array of finite numbers (the coefficients "
                    f"of lam, lam^2, ...); got {self.coefs!r}."
                )
            if np.any(coefs < 0) or not np.any(coefs > 0):
                raise ValueError(
                    "coefs must be non-negative with at least one positive value, so that "
                    f"s(lam) = sum_p coefs[p-1] lam^p is a kernel transform; got {self.coefs!r}."
                )
        if (
            callable(self.spectral_transform)
            and self._solver(n_rows) == "cg"
            and self.n_landmarks is None
        ):
            raise ValueError(
                "A callable transform is applied through the dense eigendecomposition of "
                "G / N; use solver='direct' (or 'auto' with few rows), n_landmarks, or one "
                "of the transforms 'polynomial', 'inverse_laplacian', 'kpca'."
            )
        if self.spectral_transform != "kpca":
            return None
        available = n_rows if self.n_landmarks is None else min(n_rows, self.n_landmarks)
        if self.n_components is None:
            return min(self._default_components(n_targets), available)
        if self.n_components > available:
            raise ValueError(
                f"n_components={self.n_components} is more than the {available} "
                "eigenpairs available; lower n_components."
            )
        return self.n_components

    def _solver(self, n_rows, n_labeled=None, n_components=None):
        """The solver "auto" means: "direct" up to DIRECT_MAX_ROWS rows (kernel PCA
        on the kNN graph: GRAPH_KPCA_DIRECT_MAX_ROWS, unless it keeps nearly all
        eigenpairs, which Lanczos cannot find) where its arrays fit in half the
        available memory (the most any transform holds: T, two dense copies and the
        labelled block), else "cg"; a callable transform has "direct" only."""
        if self.solver != "auto":
            return self.solver
        largest = DIRECT_MAX_ROWS
        if (
            self._neighbors
            and self.spectral_transform == "kpca"
            and (n_components is None or n_components < n_rows - 1)
        ):
            largest = GRAPH_KPCA_DIRECT_MAX_ROWS
        if n_rows > largest:
            return "cg"
        if callable(self.spectral_transform):
            return "direct"  # its only solver: the memory check speaks if it does not fit
        labelled = 0 if n_labeled is None else labelled_block_nbytes(n_rows, n_labeled)
        needed = dense_nbytes(n_rows, n_rows, np.float64, count=3) + labelled
        return "direct" if fits_in_memory(needed) else "cg"

    def _make_affinity(self):
        if self._neighbors:
            return NeighborAffinity(
                self.n_neighbors,
                self.gamma,
                self.n_jobs,
                algorithm=self.neighbors_algorithm,
                random_state=self.random_state,
            )
        if self._precomputed:
            return PrecomputedAffinity()
        # A copy: the fitted affinity must not follow a Kernel object the user changes
        # after fit (nor set_params(kernel__gamma=...), which changes that object).
        kernel = clone(kernel_from_params(self))
        if self.n_landmarks is not None:
            return NystroemAffinity(
                kernel,
                self.n_landmarks,
                self.normalize == "symmetric",
                backend=self.backend,
                random_state=self.random_state,
            )
        return KernelAffinity(kernel, backend=self.backend)

    def _make_function(self, n_components, dense, known=None):
        if callable(self.spectral_transform):
            return EigenFunction(self.spectral_transform)
        if self.spectral_transform == "polynomial":
            if self.coefs is not None:
                coefs = np.asarray(self.coefs, dtype=np.float64)
            else:
                coefs = np.zeros(self.power)
                coefs[-1] = 1.0
            return PolynomialFunction(coefs)
        if self.spectral_transform == "inverse_laplacian":
            # The kNN kernel's weights are positive, so with the symmetric normalisation
            # lambda_max is exactly 1 (Perron-Frobenius): eta = 1 is refused as it
            # should be, not let through when rounding leaves I - T just positive.
            exact_top = self._neighbors and self.normalize == "symmetric"
            # Inner solves well below the outer tolerance keep the outer CG consistent.
            return ResolventFunction(
                self.eta,
                tol=min(self.tol, 1e-8) * 1e-2,
                max_iter=self.max_iter,
                lambda_max=1.0 if exact_top else None,
            )
        eigen_solver = self.eigen_solver
        if eigen_solver == "auto":
            # Lanczos where products are cheap (a sparse graph, whose repeated eigenvalue
            # 1 is deflated exactly); a block method where each product is a pass over a
            # kernel matrix.
            eigen_solver = "dense" if dense else ("arpack" if self._neighbors else "lobpcg")
        return TruncationFunction(
            n_components,
            eigen_solver=eigen_solver,
            tol=self.tol,
            random_state=self.random_state,
            known=known,
        )

    # -- fitting --------------------------------------------------------------------

    def _fit_targets(self, X, Y, labeled):
        """Fit on all rows of X with targets Y (n_labeled, n_targets) on the rows
        ``labeled``; returns the fitted state as a dict (set by the caller)."""
        N = X.shape[0]
        n_components = self._check_settings(N, Y.shape[1])
        affinity = self._make_affinity().fit(X)
        symmetric = self.normalize == "symmetric"
        state = {"X_fit_": X}
        if isinstance(affinity, NystroemAffinity):
            state.update(self._fit_nystroem(affinity, X, Y, labeled, n_components))
        else:
            sigma = normalization(affinity, symmetric)
            direct = self._solver(N, labeled.size, n_components) == "direct"
            # eigen_solver="dense" asks for LAPACK on G / N itself, whatever the solver.
            dense = direct or (self.spectral_transform == "kpca" and self.eigen_solver == "dense")
            known = None
            if self.spectral_transform == "kpca" and self._neighbors and symmetric:
                known = affinity.unit_eigenpairs(sigma, n_components)
            function = self._make_function(n_components, dense, known)
            if dense:
                labelled = labelled_block_nbytes(N, labeled.size) if direct else 0
                T = normalized_dense(
                    affinity,
                    sigma,
                    count=1 + function.dense_copies,
                    workspace=function.dense_workspace_nbytes(N) + labelled,
                )
            else:
                T = normalized_operator(affinity, sigma)
            function.fit(T)
            theta, n_iter = transformed_ridge(
                function,
                labeled,
                Y,
                float(self.alpha),
                N,
                solver="direct" if direct else "cg",
                tol=self.tol,
                max_iter=self.max_iter,
                verbose=self.verbose,
                # Kernel passes cost about the same for many columns as for one; a
                # sparse graph's cost grows with them.
                labelled_block=not self._neighbors,
            )
            columns = sigma[:, None] * theta
            if symmetric:
                columns = np.hstack([columns, np.ones((N, 1))])
            state["_prepared"] = affinity.prepare(columns)
            state["dual_coef_"] = theta
            state["n_iter_"] = n_iter if not function.spectral else function.n_products_ or 1
            if function.spectral and not callable(self.spectral_transform):
                state["eigenvalues_"] = function.eigenvalues_
                state["eigenvectors_"] = function.eigenvectors_
        # How new rows are normalised is fitted state: set_params(normalize=...) after
        # fit must not change the predictions of the fitted model.
        affinity.symmetric = symmetric
        state["_affinity"] = affinity
        state["_decision_fitted"] = self._rows_decision(affinity, state, None)
        return state

    def _set_fitted_state(self, state):
        """Set the fitted attributes of ``state``, dropping those of an earlier fit
        that this one does not have (eigenpairs of kpca, landmarks); return the
        decision values on the fitted rows."""
        for name in _OPTIONAL_STATE.difference(state):
            self.__dict__.pop(name, None)
        fitted = state.pop("_decision_fitted")
        for name, value in state.items():
            setattr(self, name, value)
        return fitted

    def _fit_nystroem(self, affinity, X, Y, labeled, n_components):
        """Every transform on the M eigenvalues of the Nystroem kernel's G / N."""
        N = X.shape[0]
        mu = affinity.eigenvalues_
        values, _ = self._make_function(n_components, dense=True).on_spectrum(mu)
        columns = np.flatnonzero((values > 0) & (mu > rounding_level(mu)))
        if self.spectral_transform == "kpca" and columns.size < n_components:
            # As the exact path: fewer components than asked for is refused, not used.
            raise ValueError(
                f"Only {columns.size} of the top n_components={n_components} eigenvalues "
                "of the Nystroem G / N are positive; kernel PCA needs positive ones. Lower "
                "n_components (the landmarks span too few directions)."
            )
        values, mu_kept = values[columns], mu[columns]
        # The labelled rows' features and eigen_ridge's scaled copy of them, beside
        # the factor and eigenvectors of the landmarks and the product's operand.
        M = affinity.landmarks_.shape[0]
        check_dense_fits(
            labeled.size,
            columns.size,
            np.float64,
            what=f"The labelled rows' features on {columns.size} landmark directions",
            instead="Lower n_landmarks.",
            count=2,
            workspace=dense_nbytes(M, M, np.float64, count=3),
        )
        U_labeled = affinity.landmark_features(X[labeled], columns)
        U_labeled /= np.sqrt(mu_kept)
        w = eigen_ridge(U_labeled, values, Y, float(self.alpha), N)
        coef = affinity.coefficients(columns, np.sqrt(N * values / mu_kept)[:, None] * w)
        state = {"dual_coef_": coef, "components_": affinity.landmarks_, "n_iter_": 1}
        if self.spectral_transform == "kpca":
            state["eigenvalues_"] = mu_kept
        return state

    def _rows_decision(self, affinity, state, X):
        """``f`` on the rows of X (None: the fitted rows, by the same code)."""
        if isinstance(affinity, NystroemAffinity):
            coef = state["dual_coef_"]
            return affinity.rows_matmat(
                state["X_fit_"] if X is None else X, coef.reshape(coef.shape[0], -1)
            )
        prepared = state["_prepared"]
        if X is None:
            R = affinity.fitted_rows_matmat(prepared)
        else:
            R = affinity.rows_matmat(X, prepared)
        N = affinity.n_rows
        if not affinity.symmetric:
            return np.sqrt(N) * R
        degrees = R[:, -1]
        sigma = np.divide(1.0, np.sqrt(degrees), out=np.zeros_like(degrees), where=degrees > 0)
        return N * sigma[:, None] * R[:, :-1]

    def _decision(self, X):
        """``f(X)`` of shape (n_samples, n_targets)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        state = {
            k: getattr(self, k) for k in ("X_fit_", "dual_coef_", "_prepared") if hasattr(self, k)
        }
        return self._rows_decision(self._affinity, state, X)

    def __sklearn_tags__(self):
        return kernel_input_tags(super().__sklearn_tags__(), self.kernel)


def _check_y_given(estimator, y):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None; "
            "mark unlabelled rows in y instead."
        )


_COMMON_PARAMETERS = """
kernel : str, callable or Kernel, default="knn"
    The base kernel w, evaluated on every row (labelled or not): "knn" (shared
    nearest neighbours, see ``n_neighbors``), "precomputed" (X is the N x N affinity
    matrix), any kernel name of :func:`skkernel.make_kernel` ("rbf",
    "laplacian", ...), a :class:`~skkernel.Kernel`, a Gaussian-process kernel or a
    function of two rows. Kernel functions run through
    :class:`~skkernel.KernelOperator` on ``backend``.
gamma : float, default=None
    Parameter of the RBF, Laplacian, polynomial, sigmoid and chi2 kernels
    (``None``: ``1 / n_features``), and of the edge weights of ``kernel="knn"``
    (``None``: ``1 / r^2``, r the median of the positive distances from a fitted
    row to its ``n_neighbors``-th nearest; 0 weights every edge 1).
{kernel_parameters_after_gamma}
n_neighbors : int, default=10
    The k of ``kernel="knn"``: ``w(x, x') = sum_l a_l(x) a_l(x')`` over the
    fitted rows x_l, with ``a_l(x) = max(exp(-gamma ||x - x_l||^2), 0.01)`` if x_l
    is among the k nearest fitted rows of x (a fitted row is its own first
    neighbour) and 0 otherwise: the shared neighbours of x and x', weighted by
    closeness. Positive semi-definite; O(N k) per product.
neighbors_algorithm : {"auto", "ball_tree", "kd_tree", "brute", "nndescent"}, \
        default="auto"
    How ``kernel="knn"`` finds neighbours: exactly, by
    :class:`sklearn.neighbors.NearestNeighbors` with this ``algorithm``, or
    approximately by nearest-neighbour descent ("nndescent", needs the
    ``pynndescent`` package). An exact search costs most of a kNN fit at scale
    (more than ten minutes for a million rows in 10 dimensions); descent finds
    almost the same neighbours in under a minute. New points are searched for the
    same way, so ``predict(X_fit_)`` still equals ``transduction_``.
normalize : {"symmetric", "none"}, default="symmetric"
    "symmetric": ``K(x, x') = N w(x, x') / sqrt(d(x) d(x'))`` with ``d(x) =
    sum_j w(x, x_j)`` over the fitted rows, so that the top eigenvalue of G / N
    is 1 (w non-negative) and new points are normalised the same way; "none":
    ``K = w``.
spectral_transform : {"inverse_laplacian", "polynomial", "kpca"} or callable, \
        default="inverse_laplacian"
    The spectral transform s, applied to the eigenvalues of G / N:
    "inverse_laplacian" ``s = lam / (1 - eta lam)`` (label spreading's kernel,
    global); "polynomial" ``s = lam^power`` or ``sum_p coefs[p-1] lam^p``
    (Horner on products with G; local: a polynomial of degree q predicts 0 more
    than q graph steps from the labelled rows); "kpca" the top ``n_components``
    eigenvalues (kernel PCA regression); a callable ``s(eigenvalues)``,
    non-negative and 0 at 0, applied through a full eigendecomposition
    (``solver="direct"`` or ``n_landmarks``).
power : int, default=4
    Power of the polynomial transform when ``coefs`` is None.
coefs : array-like of shape (q,), default=None
    Non-negative coefficients of ``lam, ..., lam^q`` of the polynomial transform.
eta : float, default=0.9
    Of the inverse Laplacian, in (0, 1 / lam_max): (0, 1) with the symmetric
    normalisation.
n_components : int, default=None
    Eigenpairs kept by "kpca". ``None``: {default_components}. Every one must be
    resolved by the eigensolver (eigenvalue at least 1000 times its eigenpair's
    residual), since predictions divide by the eigenvalues; fit refuses more.
alpha : float, default=0.1
    Ridge, with KernelRidge's meaning: ``(K_s[labelled] + alpha I) a = y``
    (``alpha = n beta_n`` in the paper).
solver : {"auto", "direct", "cg"}, default="auto"
    "direct" forms G (N x N) and uses dense algebra (products, Cholesky,
    eigendecomposition), then solves the labelled block exactly; "cg" never forms
    G: conjugate gradients on the labelled block with one application of s(G / N)
    per iteration (the inverse Laplacian's by inner conjugate gradients), kernel
    PCA by an iterative eigensolver. "auto": "direct" up to 4,000 rows where its
    arrays fit in half the available memory, else "cg"; kernel PCA on the kNN
    graph, whose products are cheap, "direct" only up to 250 rows.
eigen_solver : {"auto", "dense", "arpack", "lobpcg", "randomized"}, default="auto"
    Eigensolver of "kpca". "auto": "dense" (LAPACK) with ``solver="direct"``;
    otherwise "arpack" (Lanczos, one vector per product) for "knn", whose
    repeated eigenvalue 1 (once per connected component of the graph, which
    Lanczos would find once) is deflated exactly, and "lobpcg" (a block method,
    each product a pass over the kernel matrix for the whole block) for kernel
    functions. "randomized" is subspace iteration with a fixed number of
    products. "dense" forms G / N (N x N) even with ``solver="cg"``.
n_landmarks : int, default=None
    If set, a kernel function is replaced by its Nystroem approximation on that
    many rows drawn uniformly: every transform then works on M eigenvalues, and
    the fit streams K(X, landmarks) in blocks (two passes, O(N M^2)). For N far
    beyond what products with the exact kernel allow.
tol : float, default=1e-6
    Relative residual at which conjugate gradients stop; residual tolerance of
    the iterative eigensolvers.
max_iter : int, default=1000
    Most conjugate-gradient iterations.
n_jobs : int, default=None
    Parallel jobs of the nearest-neighbour search ("knn"; threads of the index
    construction with "nndescent", where a set ``random_state`` builds it on one
    thread: its parallel build depends on the number of threads).
backend : str, default="auto"
    Backend of the kernel products (see :class:`~skkernel.KernelOperator`).
random_state : int, RandomState instance or None, default=None
    Starting vectors of the iterative eigensolvers, the Nystroem landmarks, and
    the nearest-neighbour descent. Pass an int for reproducible output across
    multiple function calls (and machines).
verbose : int, default=0
    If positive, conjugate gradients show a progress bar."""

_COMMON_ATTRIBUTES = """
X_fit_ : ndarray of shape (n_samples, n_features)
    All training rows, labelled and unlabelled (the affinity matrix with
    ``kernel="precomputed"``).
n_iter_ : int
    Conjugate-gradient iterations (1 for a direct solve; the inner solves' where
    the inverse Laplacian's labelled block is built by them; products with G for
    kernel PCA's iterative eigensolvers).
eigenvalues_ : ndarray of shape (n_components,)
    "kpca" only: the top eigenvalues of G / N, decreasing.
eigenvectors_ : ndarray of shape (n_samples, n_components)
    "kpca" without ``n_landmarks`` only: the eigenvectors of G / N.
components_ : ndarray of shape (n_landmarks, n_features)
    With ``n_landmarks`` only: the landmarks.
{feature_attributes}"""


def _fill(doc, default_components):
    """A class docstring with the parameters and attributes both estimators share;
    the shared parts of all estimators in them are then filled by @fill_doc."""
    parts = {
        "common_parameters": _COMMON_PARAMETERS.replace("{default_components}", default_components),
        "common_attributes": _COMMON_ATTRIBUTES,
    }
    for name, part in parts.items():
        doc = doc.replace("    {" + name + "}", textwrap.indent(part.strip("\n"), "    "))
    return doc


@fill_doc
class SpectralKernelRidge(MultiOutputMixin, RegressorMixin, _SpectralKernelBase):
    """Spectrally transformed kernel ridge regression (STKR), semi-supervised.

    Rows of ``y`` that are NaN are unlabelled: they enter the base kernel's Gram
    matrix G (all N rows) and so shape the transformed kernel ``K_s = N s(G / N)``,
    whose eigenfunctions follow the data's clusters and manifolds; kernel ridge with
    K_s is then fitted on the labelled rows. New points are predicted inductively,
    with the same formula as the fitted rows: ``f(x) = sum_j K(x, x_j) theta_j`` over
    all N rows (Zhai, Pukdee, Jin, Balcan & Ravikumar, "Spectrally Transformed Kernel
    Regression", ICLR 2024). ``s(lam) = lam`` with ``normalize="none"`` is
    :class:`~skkernel.KernelRidge` on the labelled rows.

    Parameters
    ----------
    {common_parameters}
    nan_unlabeled : bool, default=True
        Whether NaN targets mark unlabelled rows; with False, NaN in y is an error.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        theta, over all fitted rows (over the landmarks with ``n_landmarks``:
        ``f(x) = sigma(x) k(x, components_) dual_coef_``).
    transduction_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        The model's values on every fitted row: ``predict(X_fit_)``.
    {common_attributes}

    See Also
    --------
    SpectralKernelClassifier : the same model for classification.
    KernelRidge : kernel ridge on labelled rows only.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import SpectralKernelRidge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-3, 3, size=(600, 1))
    >>> y = np.sin(X[:, 0])
    >>> y_partial = np.full(600, np.nan)
    >>> y_partial[:30] = y[:30]                       # 30 labels, 570 unlabelled rows
    >>> model = SpectralKernelRidge(kernel="rbf", gamma=2.0).fit(X, y_partial)
    >>> bool(np.abs(model.transduction_ - y).mean() < 0.1)
    True
    """

    __doc__ = _fill(__doc__, "20 (at most the number of rows)")

    _parameter_constraints = {
        **_SpectralKernelBase._parameter_constraints,
        "nan_unlabeled": ["boolean"],
    }

    def __init__(
        self,
        kernel: KernelLike = "knn",
        *,
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        n_neighbors: int = 10,
        neighbors_algorithm: Literal["auto", "ball_tree", "kd_tree", "brute", "nndescent"] = "auto",
        normalize: Literal["symmetric", "none"] = "symmetric",
        spectral_transform: SpectralTransform | Callable[..., Any] = "inverse_laplacian",
        power: int = 4,
        coefs: ArrayLike | None = None,
        eta: float = 0.9,
        n_components: int | None = None,
        alpha: float = 0.1,
        solver: Literal["auto", "direct", "cg"] = "auto",
        eigen_solver: Literal["auto", "dense", "arpack", "lobpcg", "randomized"] = "auto",
        n_landmarks: int | None = None,
        tol: float = 1e-6,
        max_iter: int = 1000,
        n_jobs: int | None = None,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
        verbose: int = 0,
        nan_unlabeled: bool = True,
    ) -> None:
        store_init_params(self, locals())

    def _default_components(self, n_targets):
        return DEFAULT_REGRESSION_COMPONENTS

    @fit_context
    def fit(self, X: MatrixLike, y: ArrayLike) -> "SpectralKernelRidge":
        """Fit on labelled and unlabelled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All rows, labelled or not (a sparse matrix is densified); with
            ``kernel="precomputed"``, their affinity matrix of shape (n_samples,
            n_samples).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; NaN marks an unlabelled row (a row is labelled when all its
            targets are given).

        Returns
        -------
        {returns_self}
        """
        _check_y_given(self, y)
        X = self._validate_X(X, reset=True)
        y = check_array(
            y, ensure_2d=False, dtype=np.float64, input_name="y", ensure_all_finite="allow-nan"
        )
        check_consistent_length(X, y)
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D; got shape {y.shape}.")
        Y = y.reshape(len(y), -1)
        if np.isinf(Y).any():
            raise ValueError("y contains infinity; mark unlabelled rows with NaN.")
        missing = np.isnan(Y)
        if not self.nan_unlabeled and missing.any():
            raise ValueError(
                f"y contains NaN ({int(missing.any(axis=1).sum())} row(s)); NaN marks "
                "unlabelled rows only with nan_unlabeled=True."
            )
        partial = missing.any(axis=1) & ~missing.all(axis=1)
        if partial.any():
            raise ValueError(
                f"{int(partial.sum())} row(s) of y have some targets NaN and others not; a "
                "row is either labelled (all targets) or unlabelled (all NaN)."
            )
        labeled = np.flatnonzero(~missing[:, 0])
        if labeled.size == 0:
            raise ValueError(
                "y has no labelled rows (every target is NaN); at least one is needed."
            )
        fitted = self._set_fitted_state(self._fit_targets(X, Y[labeled], labeled))
        ravel = y.ndim == 1
        if ravel:
            self.dual_coef_ = self.dual_coef_.ravel()
        self.transduction_ = fitted.ravel() if ravel else fitted
        return self

    def predict(self, X: MatrixLike) -> NDArray[np.float64]:
        """Predict inductively: ``f(x) = sum_j K(x, x_j) theta_j``.

        {predict_values_or_kernel}
        """
        scores = self._decision(X)
        return scores.ravel() if self.dual_coef_.ndim == 1 else scores


@fill_doc
class SpectralKernelClassifier(ClassifierMixin, _SpectralKernelBase):
    """Spectrally transformed kernel classification (STKR), semi-supervised.

    Labels equal to -1 mark unlabelled rows, as in :mod:`sklearn.semi_supervised`.
    The labels become one-vs-rest targets in {-1, 1} (one column for two classes, as
    :class:`sklearn.linear_model.RidgeClassifier` does), a
    :class:`SpectralKernelRidge` model is fitted to them over all rows, and the
    predicted class is the one with the largest decision value. Unlike
    :class:`sklearn.semi_supervised.LabelSpreading`, new points are predicted with
    the same formula as the fitted rows, so ``predict(X_fit_)`` is ``transduction_``.

    There is no ``predict_proba``: the decision values are least-squares fits of
    the {-1, 1} targets, not probabilities, and no calibration is implied.

    Parameters
    ----------
    {common_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (without -1).
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_classes)
        theta, over all fitted rows (over the landmarks with ``n_landmarks``); one
        column for two classes.
    transduction_ : ndarray of shape (n_samples,)
        The predicted label of every fitted row: ``predict(X_fit_)``.
    {common_attributes}

    See Also
    --------
    SpectralKernelRidge : the same model for regression.
    sklearn.semi_supervised.LabelSpreading : label spreading (transductive).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_moons
    >>> from skkernel import SpectralKernelClassifier
    >>> X, y = make_moons(500, noise=0.05, random_state=0)
    >>> y_partial = np.full(500, -1)
    >>> labeled = np.r_[np.flatnonzero(y == 0)[:3], np.flatnonzero(y == 1)[:3]]
    >>> y_partial[labeled] = y[labeled]               # 6 labels
    >>> model = SpectralKernelClassifier(spectral_transform="kpca").fit(X, y_partial)
    >>> bool((model.transduction_ == y).mean() > 0.99)
    True
    """

    __doc__ = _fill(__doc__, "2 per class")

    def _default_components(self, n_targets):
        return COMPONENTS_PER_CLASS * max(n_targets, 2)

    @fit_context
    def fit(self, X: MatrixLike, y: ArrayLike) -> "SpectralKernelClassifier":
        """Fit on labelled and unlabelled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All rows, labelled or not (a sparse matrix is densified); with
            ``kernel="precomputed"``, their affinity matrix of shape (n_samples,
            n_samples).
        y : array-like of shape (n_samples,)
            Labels; -1 marks an unlabelled row.

        Returns
        -------
        {returns_self}
        """
        _check_y_given(self, y)
        X = self._validate_X(X, reset=True)
        y = column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name="y"), warn=True)
        check_consistent_length(X, y)
        # Strings cannot hold the marker -1: an object array can (as in scikit-learn's
        # semi-supervised estimators).
        unlabeled = np.zeros(y.shape, dtype=bool)
        if y.dtype.kind in "iufO":
            unlabeled = (
                np.array([label == -1 for label in y], dtype=bool)
                if y.dtype.kind == "O"
                else y == -1
            )
        labeled = np.flatnonzero(~unlabeled)
        check_classification_targets(y[labeled])
        if labeled.size == 0:
            raise ValueError(
                "y has no labelled rows (every label is -1, the unlabelled marker); at "
                "least one label per class is needed."
            )
        Y, classes = one_vs_rest_targets(
            y[labeled], "The labelled rows", " -1 marks unlabelled rows."
        )
        fitted = self._set_fitted_state(self._fit_targets(X, Y, labeled))
        self.classes_ = classes
        if Y.shape[1] == 1:
            self.dual_coef_ = self.dual_coef_.ravel()
        self.transduction_ = one_vs_rest_labels(classes, fitted)
        return self

    def decision_function(self, X: MatrixLike) -> NDArray[np.float64]:
        """Decision values ``f(x)`` of the one-vs-rest targets.

        {decision_ovr_or_kernel}
        """
        scores = self._decision(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: MatrixLike) -> NDArray[Any]:
        """Predicted class labels.

        {predict_labels_or_kernel}
        """
        scores = self._decision(X)  # checks that the model is fitted
        return one_vs_rest_labels(self.classes_, scores)

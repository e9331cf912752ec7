"""Kernel ridge regression: a lean drop-in KernelRidge, and KernelRidgeCV."""

import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from scipy import linalg
from scipy.sparse.linalg import aslinearoperator
from sklearn import get_config
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import (
    KernelExpansion,
    check_finite_kernel,
    fit_context,
    sqrt_weights,
    weighted_rows,
)
from .._docs import fill_doc
from .._init_params import store_init_params
from .._linalg import (
    IndefiniteSystemError,
    NystroemPreconditioner,
    cholesky_solve_inplace,
    cholesky_workspace_nbytes,
    conjugate_gradient,
    ridge_loo_path,
    symmetric_lstsq,
)
from .._memory import dense_nbytes, fits_in_memory
from .._operator import KernelOperator
from .._typing import (
    ArrayLike,
    BackendName,
    CVLike,
    KernelLike,
    MatrixLike,
    RandomStateLike,
)
from ..kernels import make_kernel

__all__ = ["KernelRidge", "KernelRidgeCV"]


class _KernelModel(MultiOutputMixin, RegressorMixin, KernelExpansion):
    """A kernel expansion fitted by (multi-output) regression, with scikit-learn's
    KernelRidge semantics for the kernel parameters."""

    def _get_kernel(self):
        if isinstance(self.kernel, str) and self.kernel in PAIRWISE_KERNEL_FUNCTIONS:
            # sklearn's KernelRidge passes only gamma, degree and coef0 to a named
            # kernel and ignores kernel_params; so do we, so predictions agree.
            return make_kernel(self.kernel, gamma=self.gamma, degree=self.degree, coef0=self.coef0)
        return super()._get_kernel()


@fill_doc
class KernelRidge(_KernelModel):
    """Kernel ridge regression, a lean and scalable drop-in for sklearn's KernelRidge.

    Solves ``(K + alpha I) c = y`` and predicts ``f(x) = sum_i c_i k(x, x_i)``. The
    parameters, fitted attributes and predictions are those of
    :class:`sklearn.kernel_ridge.KernelRidge`; ``solver`` and ``backend`` are new:

    - ``solver="cholesky"`` builds K in place, block by block, and factors it over
      itself, so the peak is one n x n matrix (sklearn holds two).
    - ``solver="cg"`` runs conjugate gradients with a Nystroem preconditioner through a
      :class:`~skkernel.KernelOperator`, never forming K: memory grows like n, not n^2.
    - ``solver="auto"`` uses Cholesky while the n x n matrix fits in half the available
      memory, CG beyond.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Regularization strength; an array gives one penalty per target.
    kernel : str or callable, default="linear"
        Kernel name (every name of :func:`sklearn.metrics.pairwise.pairwise_kernels`
        plus "matern"), "precomputed", a :class:`~skkernel.Kernel`, a
        Gaussian-process kernel or a function of two rows.
    {kernel_parameters}
    solver : {"auto", "cholesky", "cg"}, default="auto"
        How ``(K + alpha I) c = y`` is solved; see above.
    tol : float, default=1e-4
        CG stops when the residual is below ``tol`` times ``||y||`` (per target).
    max_iter : int, default=None
        Most CG iterations; ``None`` means 1000.
    preconditioner : {"nystroem"} or None, default="nystroem"
        Preconditioner of CG; ``None`` runs plain CG.
    preconditioner_rank : int, default=None
        Landmarks of the Nystroem preconditioner; ``None`` means
        ``min(n_samples, max(200, 4 * sqrt(n_samples)))``. More landmarks: fewer, but
        costlier, iterations and ``n_samples x rank`` more memory.
    backend : str, default="auto"
        Backend of the kernel products in CG and in ``predict`` (see
        :class:`~skkernel.KernelOperator`).
    random_state : int, RandomState instance or None, default=None
        Chooses the preconditioner's landmarks.
        Pass an int for reproducible output across multiple function calls.
    verbose : int, default=0
        If positive, CG shows a progress bar.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Coefficients ``c`` of the kernel expansion.
    X_fit_ : ndarray of shape (n_samples, n_features)
        Training data (the kernel matrix with ``kernel="precomputed"``).
    solver_ : str
        The solver used ("cholesky" or "cg").
    n_iter_ : int
        CG iterations (1 for the direct Cholesky solve).
    {feature_attributes}

    See Also
    --------
    KernelRidgeCV : chooses alpha by efficient leave-one-out.
    sklearn.kernel_ridge.KernelRidge : the estimator this one replaces.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import KernelRidge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=100)
    >>> model = KernelRidge(alpha=0.1, kernel="rbf").fit(X, y)
    >>> model.solver_
    'cholesky'
    >>> round(model.score(X, y), 2)
    0.99
    """

    _parameter_constraints = {
        **_KernelModel._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "solver": [StrOptions({"auto", "cholesky", "cg"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "preconditioner": [StrOptions({"nystroem"}), None],
        "preconditioner_rank": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        alpha: float | ArrayLike = 1,
        *,
        kernel: KernelLike = "linear",
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        solver: Literal["auto", "cholesky", "cg"] = "auto",
        tol: float = 1e-4,
        max_iter: int | None = None,
        preconditioner: Literal["nystroem"] | None = "nystroem",
        preconditioner_rank: int | None = None,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "KernelRidge":
        """Fit the kernel ridge model.

        {fit_supervised_or_kernel}
        """
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        ravel = y.ndim == 1
        Y = y.reshape(-1, 1) if ravel else y
        alphas = np.atleast_1d(np.asarray(self.alpha, dtype=np.float64)).ravel()
        if alphas.size not in (1, Y.shape[1]):
            raise ValueError(
                f"alpha has {alphas.size} values but y has {Y.shape[1]} target(s); give "
                "one alpha, or one per target."
            )
        # NaN passes a "< 0" test; an infinite alpha leaves no model (NaN coefficients).
        if not np.all((alphas >= 0) & np.isfinite(alphas)):
            raise ValueError(f"alpha must be non-negative and finite; got {self.alpha!r}.")
        row_scale = sqrt_weights(sample_weight)
        self.solver_ = self._choose_solver(X)
        if self.solver_ == "cg":
            fallback = self.solver == "auto" and self._dense_fits(X, fraction=1.0)
            try:
                dual_coef, self.n_iter_, converged = self._fit_cg(X, Y, alphas, row_scale)
            except (IndefiniteSystemError, np.linalg.LinAlgError) as error:
                # CG met a singular system (alpha=0), or the Nystroem preconditioner
                # an indefinite kernel (sigmoid): the exact solve handles both.
                if fallback:
                    converged = False
                elif isinstance(error, IndefiniteSystemError) and not self._kernel_is_psd():
                    # Its message's advice (a positive alpha) cannot help here.
                    raise IndefiniteSystemError(
                        f"{error} But kernel={self.kernel!r} is not positive semi-definite: "
                        "K + alpha I can be indefinite for any alpha, and conjugate "
                        "gradients cannot solve it; solver='cholesky' falls back to least "
                        "squares there."
                    ) from None
                else:
                    raise
            if not converged and fallback:
                # CG on an ill-conditioned system returns garbage; the exact solve
                # fits (if not in the half of memory "auto" keeps free): use it.
                warnings.warn(
                    "Conjugate gradients did not converge or met a singular system; "
                    "solver='auto' falls back to the exact Cholesky solve, which fits in "
                    "memory.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
                self.solver_ = "cholesky"
        if self.solver_ == "cholesky":
            dual_coef = self._fit_cholesky(X, Y, alphas, row_scale)
            self.n_iter_ = 1  # a direct solve
        # In the data's dtype (CG iterates in float64), as the Cholesky path returns it.
        dual_coef = dual_coef.astype(X.dtype, copy=False)
        if row_scale is not None:
            dual_coef *= row_scale[:, None]
        self.dual_coef_ = dual_coef.ravel() if ravel else dual_coef
        self.X_fit_ = X
        return self

    def _kernel_is_psd(self):
        return self._precomputed or self._get_kernel().positive_definite

    def _choose_solver(self, X):
        if self.solver != "auto":
            return self.solver
        if self._precomputed:
            return "cholesky"  # the matrix is already in memory
        return "cholesky" if self._dense_fits(X) else "cg"

    @staticmethod
    def _dense_fits(X, fraction=0.5):
        n = X.shape[0]
        # The matrix and the blocked Cholesky's panels beside it.
        nbytes = dense_nbytes(n, n, X.dtype) + cholesky_workspace_nbytes(n, X.dtype)
        return fits_in_memory(nbytes, fraction=fraction)

    def _fit_cholesky(self, X, Y, alphas, row_scale):
        build = self._kernel_matrix_builder(X, row_scale, "KernelRidge(solver='cholesky')")
        Yw = weighted_rows(Y, row_scale).astype(X.dtype, copy=False)
        if alphas.size == 1:
            return _solve_ridge_inplace(build, alphas[0], Yw, self._precomputed)
        # One penalty per target: one factorisation each, rebuilding K in place
        # rather than keeping a pristine copy next to the factor.
        return np.column_stack(
            [
                _solve_ridge_inplace(build, a, Yw[:, [j]], self._precomputed)[:, 0]
                for j, a in enumerate(alphas)
            ]
        )

    def _fit_cg(self, X, Y, alphas, row_scale):
        n = X.shape[0]
        alphas = np.broadcast_to(alphas, (Y.shape[1],))
        if self._precomputed:
            K = aslinearoperator(X)
        else:
            K = KernelOperator(self._get_kernel(), X, backend=self.backend)

        def matmat(V, columns):
            product = K.matmat(weighted_rows(V, row_scale))
            return weighted_rows(product, row_scale) + alphas[columns] * V

        precondition = None
        if self.preconditioner == "nystroem":
            rank = self.preconditioner_rank or max(200, int(4 * np.sqrt(n)))
            landmarks = NystroemPreconditioner.choose_landmarks(n, rank, self.random_state)
            if self._precomputed:
                columns = X[:, landmarks]
            else:
                columns = K.block(slice(None), landmarks)
            check_finite_kernel(columns)
            try:
                preconditioner = NystroemPreconditioner(columns, landmarks, row_scale)
            except np.linalg.LinAlgError:
                # Its landmark block is not PSD (an indefinite kernel such as sigmoid,
                # or a precomputed matrix PSD only up to rounding): K + alpha I may
                # still be well posed, and CG needs no preconditioner to solve it.
                warnings.warn(
                    "The Nystroem preconditioner could not be built: the kernel's block "
                    "on its landmarks is not positive semi-definite. Conjugate gradients "
                    "run without it (preconditioner=None does so without this warning).",
                    UserWarning,
                    stacklevel=4,
                )
            else:

                def precondition(R, columns):
                    return preconditioner.apply(R, alphas[columns])

        dual_coef, n_iter, converged = conjugate_gradient(
            matmat,
            weighted_rows(Y, row_scale).astype(np.float64),
            precondition=precondition,
            tol=self.tol,
            max_iter=self.max_iter or 1000,
            verbose=self.verbose,
            advice=(
                "The system is ill-conditioned or CG needs more steps: raise alpha (a "
                "tiny alpha leaves K + alpha I nearly singular), use solver='cholesky' "
                "where the n x n matrix fits in memory, or increase max_iter or "
                "preconditioner_rank."
            ),
        )
        return dual_coef, n_iter, converged.all()


def _solve_ridge_inplace(build, alpha, Y, precomputed=False):
    """Solve ``(K + alpha I) c = Y`` with one n x n array: K is factored over itself.

    Where K + alpha I is not positive definite, falls back, as sklearn does, to a
    least-squares solution of ``(K + alpha I) c = Y`` with a warning (rebuilding K, as
    the failed factorisation has overwritten it); a ``precomputed`` K that is not
    symmetric is solved as given, as scikit-learn solves it.
    """
    K = build()
    K.flat[:: K.shape[0] + 1] += alpha
    try:
        return cholesky_solve_inplace(K, Y)
    except linalg.LinAlgError:
        warnings.warn(
            "Singular matrix in solving dual problem. Using least-squares solution instead.",
            stacklevel=4,
        )
    del K
    K = build()
    K.flat[:: K.shape[0] + 1] += alpha
    if precomputed and not linalg.issymmetric(K):
        # A precomputed K need not be symmetric: solve with K itself, as scikit-learn
        # does (symmetric_lstsq reads its argument transposed, so hand it K.T).
        K = K.T
    return symmetric_lstsq(K, Y, overwrite_a=True)


class _PredictionsAsEstimator(RegressorMixin, BaseEstimator):
    """Lets a scorer score predictions that are already made (the LOO ones)."""

    def __init__(self, predictions):
        self.predictions = predictions

    def predict(self, X):
        return self.predictions


@fill_doc
class KernelRidgeCV(_KernelModel):
    """Kernel ridge regression with the penalty chosen by cross-validation.

    By default, the exact leave-one-out error of every alpha is computed from one
    eigendecomposition ``K = Q diag(w) Q^T``: the residual at sample i of the model
    fitted without it is ``c_i / (K + alpha I)^-1_ii`` with ``c = (K + alpha I)^-1 y``,
    and both come out of Q for each alpha in O(n^2). The eigendecomposition takes
    two n x n arrays (K, overwritten, and the eigenvectors). With ``cv=`` any
    scikit-learn splitter, alphas are compared by that cross-validation instead, as
    :class:`sklearn.linear_model.RidgeCV` does.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Penalties to try; positive (0 is allowed with ``cv``, as in RidgeCV).
    kernel : str or callable, default="linear"
        The kernel, as in :class:`KernelRidge`.
    {kernel_parameters}
    cv : int, cross-validation generator or iterable, default=None
        ``None``: efficient leave-one-out. Otherwise, anything
        :class:`~sklearn.model_selection.GridSearchCV` accepts.
    scoring : str or callable, default=None
        ``None``: mean squared error (weighted by ``sample_weight``: ``sum w r^2 /
        sum w``, as ``"neg_mean_squared_error"`` gives; RidgeCV's default divides by
        n instead and stores ``w r^2`` in its ``cv_results_``) for leave-one-out,
        R^2 with ``cv``. Otherwise a scorer name or callable, higher is better.
    store_cv_results : bool, default=False
        Keep the leave-one-out values of every alpha in ``cv_results_`` (only with
        ``cv=None``).
    alpha_per_target : bool, default=False
        Choose one alpha per target (only with ``cv=None``).
    backend : str, default="auto"
        Backend of the kernel products in ``predict``.
    random_state : int, RandomState instance or None, default=None
        With ``cv``: seeds the Nystroem preconditioner of the conjugate-gradient
        solver that the cross-validation's fits use where K does not fit in memory
        (:class:`KernelRidge`'s ``solver="auto"``). Pass an int for reproducible
        output across multiple function calls.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
        The chosen penalty (one per target with ``alpha_per_target=True``).
    best_score_ : float or ndarray of shape (n_targets,)
        Its score (negative mean squared error when ``scoring=None`` and ``cv=None``).
    cv_results_ : ndarray of shape (n_samples, n_alphas) or (n_samples, n_targets, n_alphas)
        With ``store_cv_results=True``: squared leave-one-out errors (``scoring=None``)
        or leave-one-out predictions. A sample of zero weight takes no part in the
        fit, so its leave-one-out model is the model of all samples.
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Coefficients of the model refitted with ``alpha_`` on all samples.
    X_fit_ : ndarray of shape (n_samples, n_features)
        Training data.
    {feature_attributes}

    See Also
    --------
    KernelRidge : with a fixed alpha.
    sklearn.linear_model.RidgeCV : the same idea for linear models.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import KernelRidgeCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=200)
    >>> model = KernelRidgeCV(alphas=np.logspace(-3, 2, 11), kernel="rbf").fit(X, y)
    >>> float(model.alpha_)
    0.1
    """

    _parameter_constraints = {
        **_KernelModel._parameter_constraints,
        "alphas": ["array-like", Interval(Real, 0, None, closed="neither")],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "store_cv_results": ["boolean"],
        "alpha_per_target": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alphas: float | ArrayLike = (0.1, 1.0, 10.0),
        *,
        kernel: KernelLike = "linear",
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        cv: CVLike = None,
        scoring: str | Callable[..., Any] | None = None,
        store_cv_results: bool = False,
        alpha_per_target: bool = False,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "KernelRidgeCV":
        """Fit kernel ridge models for every alpha and keep the best.

        {fit_supervised_or_kernel}
        """
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64)).ravel()
        # As RidgeCV: alpha = 0 is a model GridSearchCV can fit (KernelRidge's least
        # squares), not one whose leave-one-out error exists.
        allowed = alphas >= 0 if self.cv is not None else alphas > 0
        if alphas.size == 0 or not np.all(allowed & np.isfinite(alphas)):
            kind = "non-negative" if self.cv is not None else "positive"
            raise ValueError(
                f"alphas must be a non-empty list of {kind} finite values; got {alphas}."
            )
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        if self.cv is not None:
            if self.store_cv_results or self.alpha_per_target:
                raise ValueError(
                    "store_cv_results and alpha_per_target need cv=None (leave-one-out)."
                )
            return self._fit_grid_search(X, y, alphas, sample_weight)
        if sample_weight is not None and np.any(sample_weight < 0):
            raise ValueError("sample_weight must be non-negative for leave-one-out.")
        ravel = y.ndim == 1
        Y = y.reshape(-1, 1) if ravel else y
        # The eigendecomposition in float64, as RidgeCV's: float32's rounding level
        # (n eps lambda_max) would swallow the small alphas' scores. The coefficients
        # come back in the data's dtype, as KernelRidge's.
        self._fit_leave_one_out(X.astype(np.float64, copy=False), Y, alphas, sample_weight)
        self.dual_coef_ = self.dual_coef_.astype(X.dtype, copy=False)
        if ravel:
            self.dual_coef_ = self.dual_coef_.ravel()
            if self.store_cv_results:
                self.cv_results_ = self.cv_results_[:, 0, :]
        self.X_fit_ = X
        return self

    def _fit_grid_search(self, X, y, alphas, sample_weight):
        model = KernelRidge(
            kernel=self.kernel,
            gamma=self.gamma,
            degree=self.degree,
            coef0=self.coef0,
            kernel_params=self.kernel_params,
            backend=self.backend,
            random_state=self.random_state,
        )
        scoring = self.scoring
        if get_config()["enable_metadata_routing"]:
            # As without routing: the weights go to every fit and every fold's score.
            model.set_fit_request(sample_weight=True)
            if scoring is None:
                model.set_score_request(sample_weight=True)
            else:
                scoring = check_scoring(model, scoring=scoring)
                if hasattr(scoring, "set_score_request"):
                    scoring = scoring.set_score_request(sample_weight=True)
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        search = GridSearchCV(model, {"alpha": alphas}, cv=self.cv, scoring=scoring)
        search.fit(X, y, **fit_params)
        best = search.best_estimator_
        self.alpha_ = float(search.best_params_["alpha"])
        self.best_score_ = float(search.best_score_)
        self.dual_coef_ = best.dual_coef_
        self.X_fit_ = best.X_fit_
        return self

    def _fit_leave_one_out(self, X, Y, alphas, sample_weight):
        row_scale = sqrt_weights(sample_weight)
        # K, then its eigenvectors beside it: two n x n arrays.
        K = self._kernel_matrix_builder(X, row_scale, "KernelRidgeCV", count=2)()
        # K.T: the Fortran-ordered view of the symmetric K, which LAPACK may overwrite.
        # The MRRR driver ("evr") needs the eigenvectors and O(n) workspace, two n x n
        # arrays in all; divide-and-conquer ("evd") would add a 2 n^2 workspace.
        eigenvalues, Q = linalg.eigh(K.T, overwrite_a=True, check_finite=False, driver="evr")
        del K
        residuals, dual_coefs = ridge_loo_path(eigenvalues, Q, weighted_rows(Y, row_scale), alphas)
        del Q
        if row_scale is not None:
            # The weighted problem's residual is sqrt(w_i) times the residual of y_i.
            positive = row_scale > 0
            residuals[positive] /= row_scale[positive, None, None]
            if not positive.all():
                # A zero-weight sample takes no part in the fit: its leave-one-out
                # model is the full model (its score weight is zero, but cv_results_
                # reports its residual).
                coefs = dual_coefs * row_scale[:, None, None]
                residuals[~positive] = self._residuals_at(X, Y, ~positive, coefs)
        scores, cv_values = self._loo_scores(Y, residuals, sample_weight)
        if not np.isfinite(scores).all():
            raise ValueError(
                "The leave-one-out scores of some alphas are not finite (the scorer "
                f"returned {scores.ravel()[~np.isfinite(scores.ravel())][0]}): no alpha "
                "can be chosen. Check the scoring, or use larger alphas."
            )
        if scores.ndim == 2 and Y.shape[1] == 1:
            # One target (y of shape (n,) or (n, 1)): alpha_ and best_score_ are plain
            # floats, as RidgeCV(alpha_per_target=True) gives.
            scores = scores[0]
        per_target = scores.ndim == 2  # (n_targets, n_alphas) when alpha_per_target
        best = np.argmax(scores, axis=-1)
        if per_target:
            targets = np.arange(Y.shape[1])
            self.alpha_ = alphas[best]
            self.best_score_ = scores[targets, best]
            self.dual_coef_ = dual_coefs[:, targets, best]
        else:
            self.alpha_ = float(alphas[best])
            self.best_score_ = float(scores[best])
            self.dual_coef_ = dual_coefs[:, :, best]
        if row_scale is not None:
            self.dual_coef_ *= row_scale[:, None]
        if self.store_cv_results:
            self.cv_results_ = cv_values

    def _residuals_at(self, X, Y, rows, coefs):
        """``y_i - f(x_i)`` on ``rows`` for the models of ``coefs`` (n, n_targets,
        n_alphas), a lazy product with the kernel rows of those samples."""
        n, n_targets, n_alphas = coefs.shape
        flat = coefs.reshape(n, -1)
        if self._precomputed:
            values = X[rows] @ flat
        else:
            operator = KernelOperator(self._get_kernel(), X[rows], X, backend=self.backend)
            values = operator @ flat
        return Y[rows, :, None] - values.reshape(-1, n_targets, n_alphas)

    def _loo_scores(self, Y, residuals, sample_weight):
        """Scores of shape (n_alphas,), or (n_targets, n_alphas) per target."""
        n_alphas = residuals.shape[2]
        weights = np.ones(Y.shape[0]) if sample_weight is None else sample_weight
        if self.scoring is None:
            squared = residuals**2
            per_target = -np.einsum("i,ija->ja", weights, squared) / weights.sum()
            scores = per_target if self.alpha_per_target else per_target.mean(axis=0)
            return scores, squared
        if Y.shape[0] < 2:
            # A score of one prediction (r2's variance) is undefined: the message was
            # about non-finite scores and alphas.
            raise ValueError(
                f"scoring={self.scoring!r} scores leave-one-out predictions, which needs "
                f"at least 2 samples; got {Y.shape[0]} sample (scoring=None fits one)."
            )
        predictions = Y[:, :, None] - residuals
        scorer = check_scoring(self, scoring=self.scoring)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}

        def score(pred, target):
            return scorer(_PredictionsAsEstimator(pred), None, target, **kwargs)

        if self.alpha_per_target:
            scores = np.array(
                [
                    [score(predictions[:, j, a], Y[:, j]) for a in range(n_alphas)]
                    for j in range(Y.shape[1])
                ]
            )
        else:
            y_true = Y[:, 0] if Y.shape[1] == 1 else Y
            scores = np.array(
                [
                    score(predictions[:, 0, a] if Y.shape[1] == 1 else predictions[:, :, a], y_true)
                    for a in range(n_alphas)
                ]
            )
        return scores, predictions

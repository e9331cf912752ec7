"""Nystroem kernel ridge (Falkon): NystroemRidge and NystroemRidgeClassifier.

Kernel ridge restricted to the span of M centers chosen among the training rows,
solved by Falkon's preconditioned conjugate gradients: memory O(n d + M^2), about
10-20 passes over the data, no n x M matrix.
"""

from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from sklearn.base import ClassifierMixin, MultiOutputMixin, RegressorMixin
from sklearn.utils import compute_sample_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._base import (
    FLOAT_DTYPES,
    SPARSE_FORMATS,
    KernelExpansion,
    check_finite_kernel,
    check_sample_weight,
    dense_features,
    fit_context,
    one_vs_rest_labels,
    one_vs_rest_targets,
)
from .._centers import CENTER_CONSTRAINTS, Sampling, check_n_components, select_centers
from .._docs import fill_doc
from .._init_params import store_init_params
from .._linalg import falkon_solve, symmetrize
from .._memory import check_dense_fits
from .._operator import KernelOperator
from .._typing import (
    ArrayLike,
    BackendName,
    FloatArray,
    KernelLike,
    MatrixLike,
    NDArray,
    RandomStateLike,
)

__all__ = ["NystroemRidge", "NystroemRidgeClassifier"]


class _NystroemRidgeBase(KernelExpansion):
    """Kernel ridge on Nystroem centers, solved by Falkon."""

    _parameter_constraints = {
        **KernelExpansion._parameter_constraints,
        **CENTER_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "fit_intercept": ["boolean"],
        "verbose": ["verbose"],
    }

    def _get_kernel(self):
        if self._precomputed:
            raise ValueError(
                f"{type(self).__name__} evaluates the kernel itself and does not take "
                "kernel='precomputed'; use KernelRidge for a precomputed kernel matrix."
            )
        return super()._get_kernel()

    def _fit_targets(self, X, Y, sample_weight):
        """Choose centers; solve for ``dual_coef_`` (M, n_targets) and ``intercept_``."""
        kernel = self._get_kernel()
        n_counted = X.shape[0] if sample_weight is None else np.count_nonzero(sample_weight > 0)
        indices, center_weights = select_centers(
            kernel,
            X,
            check_n_components(self.n_components, n_counted),
            sampling=self.sampling,
            alpha=self.alpha or None,
            random_state=self.random_state,
            backend=self.backend,
            sample_weight=sample_weight,
        )
        centers = X[indices]
        M = indices.size
        # K_MM and Falkon's preconditioner: its two Cholesky factors and T D T^T.
        check_dense_fits(
            M,
            M,
            np.float64,
            what=f"{type(self).__name__} with {M} centers",
            instead="Lower n_components.",
            count=4,
        )
        # In float64 whatever X's dtype: the preconditioner factors K_MM, and float32
        # kernel values are not positive definite to float64 precision.
        K_MM = KernelOperator(kernel, centers.astype(np.float64)).gram()
        check_finite_kernel(K_MM, "The kernel matrix of the centers")
        symmetrize(K_MM)
        operator = KernelOperator(kernel, X, centers, backend=self.backend)
        weights = None if sample_weight is None else sample_weight.astype(np.float64)
        coef, intercept, self.n_iter_ = falkon_solve(
            operator,
            Y.astype(np.float64, copy=False),
            K_MM,
            float(self.alpha),
            weights=weights,
            center_weights=center_weights,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
        )
        self.components_ = centers
        self.component_indices_ = np.asarray(indices)
        # As sklearn's Ridge: a plain 0.0 when no intercept is fitted.
        if not self.fit_intercept:
            return coef.astype(X.dtype, copy=False), 0.0
        return coef.astype(X.dtype, copy=False), intercept.astype(X.dtype)

    def _expansion_points(self):
        return self.components_

    def _decision(self, X):
        """``K(X, centers) c + intercept``, shape (n_samples, n_targets)."""
        scores = KernelExpansion.predict(self, X)
        scores = scores.reshape(len(scores), -1)
        return scores + self.intercept_


@fill_doc
class NystroemRidge(MultiOutputMixin, RegressorMixin, _NystroemRidgeBase):
    """Kernel ridge regression on Nystroem centers, solved by Falkon.

    The model is ``f(x) = sum_j c_j k(x, z_j)`` (``+ b`` with ``fit_intercept``) over
    M centers ``z_j`` chosen among the training samples (by ridge leverage scores by
    default). With every training sample as a center and no intercept it is
    :class:`~skkernel.KernelRidge`. The coefficients come from Falkon's
    preconditioned conjugate gradients (Rudi et al. 2017, Meanti et al. 2020): about
    10-30 passes over the data, each computing ``K_nM^T (K_nM v)`` block by block, so
    the n x M matrix is never stored.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty, as in :class:`~skkernel.KernelRidge`: the objective is
        ``||y - K_nM c - b||^2 + alpha c^T K_MM c`` (weighted by sample_weight;
        ``b = 0`` unless ``fit_intercept``).
    kernel : str or callable, default="rbf"
        Any kernel of :func:`skkernel.make_kernel` except "precomputed".
    {kernel_parameters}
    fit_intercept : bool, default=False
        Whether to fit an unpenalised intercept ``b`` jointly with ``c``:
        ``f(x) = K(x, centers) c + b``. Off by default, so that the model is
        KernelRidge's (which has no intercept); on, it is the model of
        ``make_pipeline(Nystroem(), Ridge())`` (which centres the features), often a
        little more accurate on targets that are not centred.
        :class:`NystroemRidgeClassifier` turns it on by default, as
        RidgeClassifier does, since its {-1, 1} targets are never centred.
    n_components : int, default=1000
        Number of Nystroem centers M (at most the number of samples of positive
        weight, among which they are drawn). Time per pass is
        O(n M d), memory O(n d + M^2).
    sampling : {"rls", "uniform", "exact-rls", "sequential", "kernel-thinning"}, \
            default="rls"
        How centers are chosen (see :class:`~skkernel.Nystroem`); "rls" uses leverage
        scores at ``alpha``, or at the larger penalty whose effective dimension is
        ``n_components`` when alpha is smaller than that.
    tol : float, default=1e-3
        CG stops when the true residual of ``H c = K_nM^T W y`` (not of the
        preconditioned system) is below ``tol`` relative to its right-hand side. The
        default is below the statistical error of the fit: on the diamonds and
        synthetic benchmarks (docs/nystroem.md) the test error at 1e-3 is within
        0.03% of the exact solution's, with 30% fewer passes than at 1e-4. Lower it
        to approach the exact Nystroem solution, and with sample weights that span
        orders of magnitude, where the heavy rows dominate the residual: with weights
        from 1e-4 to 1e4 (n = 3,000, M = 200, alpha = 1e-3) predictions were 7.8%
        off the exact solution's at 1e-3 (90 passes; 0.5% unweighted), 0.1% at
        1e-5 (340 passes, so raise ``max_iter`` too).
    max_iter : int, default=100
        Most CG iterations (passes over the data); Falkon usually needs 10-30.
    backend : str, default="auto"
        Backend of the passes over the data and of ``predict``: "numba", "numpy",
        "keops", "cupy", or "dask" (blocks of rows on the active Dask cluster).
    random_state : int, RandomState instance or None, default=None
        Chooses the centers.
        Pass an int for reproducible output across multiple function calls.
    verbose : int, default=0
        If positive, a progress bar of the CG iterations.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_components,) or (n_components, n_targets)
        Coefficients ``c`` of the centers.
    intercept_ : float or ndarray of shape (n_targets,)
        ``b``; 0.0 unless ``fit_intercept``.
    {falkon_attributes}

    See Also
    --------
    NystroemRidgeClassifier : the same model for classification.
    KernelRidge : the exact model, for n up to a few tens of thousands.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import NystroemRidge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-3, 3, size=(5000, 2))
    >>> y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.1 * rng.normal(size=5000)
    >>> model = NystroemRidge(alpha=1.0, gamma=0.5, n_components=200, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        kernel: KernelLike = "rbf",
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        fit_intercept: bool = False,
        n_components: int = 1000,
        sampling: Sampling = "rls",
        tol: float = 1e-3,
        max_iter: int = 100,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "NystroemRidge":
        """Choose the centers and fit the coefficients.

        {fit_supervised}
        """
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        coef, intercept = self._fit_targets(X, Y, sample_weight)
        self.dual_coef_ = coef.ravel() if y.ndim == 1 else coef
        self.intercept_ = float(intercept[0]) if y.ndim == 1 and self.fit_intercept else intercept
        return self

    def predict(self, X: MatrixLike) -> FloatArray:
        """Predict with the fitted model.

        {predict_values}
        """
        y_pred = self._decision(X)
        return y_pred.ravel() if self.dual_coef_.ndim == 1 else y_pred


@fill_doc
class NystroemRidgeClassifier(ClassifierMixin, _NystroemRidgeBase):
    """Classification by Nystroem kernel ridge on one-vs-rest targets (Falkon).

    Like :class:`sklearn.linear_model.RidgeClassifier`, the labels become targets
    in {-1, 1} (one column per class, one column for two classes), a
    :class:`NystroemRidge` model with an intercept is fitted to them, and the
    predicted class is the one with the largest decision value.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty, as in :class:`NystroemRidge`.
    kernel : str or callable, default="rbf"
        Any kernel of :func:`skkernel.make_kernel` except "precomputed".
    {kernel_parameters}
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept per class. On by default, as in
        RidgeClassifier: without it, imbalanced classes pull every decision far from
        the data towards the majority's -1.
    n_components : int, default=1000
        Number of Nystroem centers M (at most the number of samples of positive
        weight, among which they are drawn).
    sampling : {"rls", "uniform", "exact-rls", "sequential", "kernel-thinning"}, \
            default="rls"
        How centers are chosen (see :class:`~skkernel.Nystroem`).
    tol : float, default=1e-3
        Relative residual at which CG stops (see :class:`NystroemRidge`).
    max_iter : int, default=100
        Most CG iterations.
    class_weight : dict or "balanced", default=None
        Weights of the classes, multiplied into sample_weight (as in RidgeClassifier).
    backend : str, default="auto"
        Backend of the passes over the data and of ``predict``.
    random_state : int, RandomState instance or None, default=None
        Chooses the centers.
        Pass an int for reproducible output across multiple function calls.
    verbose : int, default=0
        If positive, a progress bar of the CG iterations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    intercept_ : float or ndarray of shape (1,) or (n_classes,)
        The intercepts ``b``; 0.0 unless ``fit_intercept``.
    dual_coef_ : ndarray of shape (n_components, 1) or (n_components, n_classes)
        Coefficients of the centers, per one-vs-rest target (one column for two
        classes).
    {falkon_attributes}

    See Also
    --------
    NystroemRidge : the regressor.
    sklearn.linear_model.RidgeClassifier : the linear model with the same targets.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skkernel import NystroemRidgeClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = NystroemRidgeClassifier(alpha=1e-3, gamma=0.01, n_components=300,
    ...                               random_state=0)
    >>> round(clf.fit(X[:1200], y[:1200]).score(X[1200:], y[1200:]), 2) > 0.9
    True
    """

    _parameter_constraints = {
        **_NystroemRidgeBase._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        kernel: KernelLike = "rbf",
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        fit_intercept: bool = True,
        n_components: int = 1000,
        sampling: Sampling = "rls",
        tol: float = 1e-3,
        max_iter: int = 100,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "NystroemRidgeClassifier":
        """Fit one-vs-rest Nystroem ridge models.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Individual weights for each sample.

        Returns
        -------
        {returns_self}
        """
        # One validation of X (a second one would forget its feature names).
        X, y = validate_data(self, X, y, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES)
        X = dense_features(X)
        check_classification_targets(y)
        Y, classes = one_vs_rest_targets(y)
        sample_weight = check_sample_weight(sample_weight, X)
        if self.class_weight is not None:
            class_weights = compute_sample_weight(self.class_weight, y)
            if not (np.isfinite(class_weights).all() and (class_weights >= 0).all()):
                # They would reach the solver as NaN, or as a division by zero.
                raise ValueError(
                    f"class_weight must give finite, non-negative weights; got {self.class_weight}."
                )
            sample_weight = (
                class_weights if sample_weight is None else sample_weight * class_weights
            )
            sample_weight = check_sample_weight(sample_weight, X)  # refuses a zero total
        self._get_kernel()  # refuses kernel="precomputed" before any work
        self.classes_ = classes
        self.dual_coef_, self.intercept_ = self._fit_targets(X, Y, sample_weight)
        return self

    def decision_function(self, X: MatrixLike) -> FloatArray:
        """One-vs-rest decision values (ridge predictions of the {-1, 1} targets).

        {decision_ovr}
        """
        scores = self._decision(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: MatrixLike) -> NDArray[Any]:
        """Predicted class labels.

        {predict_labels}
        """
        scores = self._decision(X)  # checks that the model is fitted
        return one_vs_rest_labels(self.classes_, scores)

"""Nystroem features and Nystroem kernel ridge (Falkon) with leverage-score centers.

:class:`Nystroem` is a drop-in for :class:`sklearn.kernel_approximation.Nystroem`
that can choose its components by ridge leverage scores. :class:`NystroemRidge` and
:class:`NystroemRidgeClassifier` fit kernel ridge restricted to the span of M
centers with the Falkon solver: memory O(n d + M^2), about 10-20 passes over the
data, no n x M matrix.
"""

import textwrap
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    MultiOutputMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._accel import BACKEND_NAMES, resolve_backend
from ._accel._numpy import row_block_size
from ._falkon import falkon_solve
from ._operator import KernelOperator
from ._solvers import dense_kernel_matrix, kernel_columns
from .kernels import kernel_from_params
from .leverage import (
    SequentialLeverageScores,
    alpha_for_effective_dimension,
    bless_dictionary,
    exact_leverage_scores,
)
from .ridge import _KernelExpansion
from .thinning import thinning_indices

__all__ = ["Nystroem", "NystroemRidge", "NystroemRidgeClassifier"]

_FLOATS = [np.float64, np.float32]
SAMPLINGS = ("uniform", "rls", "exact-rls", "sequential", "kernel-thinning")
#: Largest n for which sampling="exact-rls" forms the n x n kernel matrix.
EXACT_RLS_MAX_SAMPLES = 20_000
#: Uniform candidates scored per leverage-score step, per center.
_CANDIDATES_PER_CENTER = 4


def _draw_probabilities(scores):
    """Probabilities proportional to scores, with a floor that keeps every sample
    drawable (so that any number of distinct samples can be drawn)."""
    p = scores + 1e-12 * max(float(scores.max(initial=0.0)), 1e-300)
    return p / p.sum()


def _weighted_choice(rng, scores, size):
    """``size`` distinct indices drawn with probability proportional to scores."""
    return np.sort(rng.choice(scores.size, size=size, replace=False, p=_draw_probabilities(scores)))


def _importance_weights(scores, picked):
    """Falkon's center weights for centers drawn from scores (Rudi et al. 2018).

    A sample of C points of which ``picked`` were drawn with probability p_j stands
    for the data with weight 1 / (C * pi_j), pi_j = min(1, M p_j) the chance that j
    is among the M drawn: ``K_nM^T K_nM / n ~ K_MM D K_MM`` with D = diag of these.
    Uniform draws give D = I / M, the weights of the plain preconditioner.
    """
    inclusion = np.minimum(1.0, picked.size * _draw_probabilities(scores)[picked])
    return 1.0 / (scores.size * inclusion)


def select_centers(kernel, X, n_components, sampling, alpha, random_state, backend="auto"):
    """Indices of ``n_components`` Nystroem centers among the rows of X.

    See :func:`select_weighted_centers`, which also returns their weights.
    """
    indices, _ = select_weighted_centers(
        kernel, X, n_components, sampling, alpha, random_state, backend
    )
    return indices


def select_weighted_centers(kernel, X, n_components, sampling, alpha, random_state, backend="auto"):
    """Indices of ``n_components`` Nystroem centers among the rows of X, and the
    weights with which they stand for the data in Falkon's preconditioner.

    Parameters
    ----------
    kernel : Kernel
    X : ndarray of shape (n_samples, n_features)
    n_components : int
        At most n_samples.
    sampling : {"uniform", "rls", "exact-rls", "sequential", "kernel-thinning"}
    alpha : float or None
        Penalty of the leverage scores; ``None`` means the penalty whose effective
        dimension is ``n_components`` ("rls", "exact-rls") or 1.0 ("sequential").
        With "rls", the penalty is also never taken below that one.
    random_state : int, RandomState instance or None
    backend : str, default="auto"
        Backend of the kernel products of "kernel-thinning".

    Returns
    -------
    indices : ndarray of int
    weights : ndarray of shape (n_components,) or None
        For centers drawn by leverage scores ("rls", "exact-rls"), see
        :func:`_importance_weights`; None (uniform weights 1/M) otherwise.
    """
    rng = check_random_state(random_state)
    n = X.shape[0]
    if sampling == "uniform":
        # sklearn's Nystroem draws exactly this for the same random_state.
        return rng.permutation(n)[:n_components], None
    if sampling == "exact-rls":
        if n > EXACT_RLS_MAX_SAMPLES:
            raise ValueError(
                f"sampling='exact-rls' forms the {n} x {n} kernel matrix; it is meant for "
                f"n_samples <= {EXACT_RLS_MAX_SAMPLES}. Use sampling='rls'."
            )
        K = dense_kernel_matrix(kernel, X.astype(np.float64, copy=False))
        if alpha is None:
            alpha = alpha_for_effective_dimension(np.linalg.eigvalsh(K), n_components)
        scores = exact_leverage_scores(K, alpha)
        picked = _weighted_choice(rng, scores, n_components)
        return picked, _importance_weights(scores, picked)
    if sampling == "kernel-thinning":
        indices = thinning_indices(
            kernel,
            X.astype(np.float64, copy=False),
            n_components,
            backend=backend,
            random_state=rng,
        )
        return indices, None
    if sampling == "sequential":
        ink = SequentialLeverageScores(
            kernel, alpha=1.0 if alpha is None else alpha, random_state=rng
        ).fit(X)
        indices = ink.dictionary_indices_
        if indices.size <= n_components:
            return indices, None
        picked = _weighted_choice(rng, ink.probabilities_, n_components)
        return indices[picked], None
    # "rls": a BLESS path stopped at alpha or where d_eff reaches the budget.
    floor = 1e-12 * X.shape[0] if alpha is None else alpha
    _, candidates, scores, _ = bless_dictionary(
        kernel,
        X,
        floor,
        rng,
        max_effective_dimension=n_components,
        max_candidates=_CANDIDATES_PER_CENTER * n_components,
        # One draw per unit of d_eff keeps the dictionary near n_components samples;
        # the last scoring step costs O(candidates * n_components^2).
        oversampling=1.0,
    )
    if candidates.size <= n_components:
        return candidates, None
    # The candidates are a near-uniform subsample of the data, so the weights
    # within them are the weights in the data.
    picked = _weighted_choice(rng, scores, n_components)
    return candidates[picked], _importance_weights(scores, picked)


def _kernel_from_params(estimator):
    """The estimator's Kernel; "precomputed" is refused (centers need the kernel)."""
    if isinstance(estimator.kernel, str) and estimator.kernel == "precomputed":
        raise ValueError(
            f"{type(estimator).__name__} evaluates the kernel itself and does not take "
            "kernel='precomputed'; use KernelRidge for a precomputed kernel matrix."
        )
    return kernel_from_params(estimator)


def _check_n_components(n_components, n_samples):
    if n_components > n_samples:
        warnings.warn(
            f"n_components={n_components} > n_samples={n_samples}; using every sample "
            "as a component, which is exact but no cheaper than the full kernel.",
            stacklevel=3,
        )
    return min(n_components, n_samples)


_SAMPLING_CONSTRAINTS = {
    "kernel": [str, callable],
    "gamma": [Interval(Real, 0, None, closed="left"), None],
    "kernel_params": [dict, None],
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "sampling": [StrOptions(set(SAMPLINGS))],
    "backend": [StrOptions({"auto", *BACKEND_NAMES})],
    "random_state": ["random_state"],
}


class Nystroem(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Nystroem kernel features, with components chosen by ridge leverage scores.

    A drop-in for :class:`sklearn.kernel_approximation.Nystroem`: the same
    parameters, attributes and features (``K(X, components) @ normalization_.T``,
    with ``normalization_ = K_MM^-1/2``), and with ``sampling="uniform"`` the same
    components for the same ``random_state``. Leverage-score sampling puts the
    components where the data need them (small clusters, rare regions), giving a
    smaller kernel approximation error at the same ``n_components`` on clustered or
    imbalanced data.

    Parameters
    ----------
    kernel : str or callable, default="rbf"
        Any kernel of :func:`skkernel.make_kernel`.
    gamma : float, default=None
        Kernel parameter; ``None`` means ``1 / n_features``, as in sklearn.
    coef0 : float, default=None
        Zero coefficient of the polynomial and sigmoid kernels (``None``: 1).
    degree : float, default=None
        Degree of the polynomial kernel (``None``: 3).
    kernel_params : dict, default=None
        Parameters of a callable kernel, or ``nu``/``length_scale`` of "matern".
    n_components : int, default=100
        Number of components (at most n_samples).
    sampling : {"uniform", "rls", "exact-rls", "sequential", "kernel-thinning"}, \
            default="uniform"
        How components are chosen:

        - "uniform": uniformly without replacement (sklearn's choice);
        - "rls": by approximate ridge leverage scores (a BLESS path of penalties,
          ``O(n_components^3)`` work after a few uniform candidate sets; never
          forms K);
        - "exact-rls": by exact ridge leverage scores (forms the n x n kernel
          matrix; for n_samples <= 20,000);
        - "sequential": the dictionary of INK-ESTIMATE
          (:class:`~skkernel.leverage.SequentialLeverageScores`), one pass over the
          data with bounded memory; ``partial_fit`` continues the pass. The number
          of components is the dictionary size if that is below ``n_components``.
        - "kernel-thinning": a Compress++ kernel-thinning coreset
          (:class:`~skkernel.KernelThinning`, g=4, delta=0.5): components whose
          distribution matches the data's in MMD. About
          ``4^5 n_components^2 log(n)`` kernel evaluations, in blocks (g is lowered
          where that would pass n^2). ``alpha`` is not used.
    alpha : float, default=None
        Penalty of the leverage scores (KernelRidge's alpha). ``None``: for "rls"
        and "exact-rls", the penalty whose effective dimension is ``n_components``;
        for "sequential", 1.0.
    backend : str, default="auto"
        Backend of ``transform`` when it is a GPU or Dask backend; on the CPU the
        features are blocks of kernel values times ``normalization_.T`` by BLAS.
    random_state : int, RandomState instance or None, default=None
    n_jobs : int, default=None
        Accepted for compatibility with sklearn; threads follow numba and BLAS.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        The chosen training samples.
    component_indices_ : ndarray of shape (n_components_,)
        Their indices in the training data.
    normalization_ : ndarray of shape (n_components_, n_components_)
        ``K(components_, components_)^-1/2``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    NystroemRidge : kernel ridge on Nystroem centers without forming the features.
    sklearn.kernel_approximation.Nystroem : the estimator this one replaces.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from skkernel import Nystroem
    >>> X, y = load_digits(return_X_y=True)
    >>> model = make_pipeline(
    ...     Nystroem(gamma=1e-3, n_components=300, sampling="rls", random_state=0),
    ...     RidgeClassifier(alpha=1e-3),
    ... ).fit(X[:1200], y[:1200])
    >>> round(model.score(X[1200:], y[1200:]), 2) > 0.9
    True
    """

    _parameter_constraints = {
        **_SAMPLING_CONSTRAINTS,
        "coef0": [Real, None],
        "degree": [Interval(Real, 0, None, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="neither"), None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        kernel="rbf",
        *,
        gamma=None,
        coef0=None,
        degree=None,
        kernel_params=None,
        n_components=100,
        sampling="uniform",
        alpha=None,
        backend="auto",
        random_state=None,
        n_jobs=None,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.coef0 = coef0
        self.degree = degree
        self.kernel_params = kernel_params
        self.n_components = n_components
        self.sampling = sampling
        self.alpha = alpha
        self.backend = backend
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Choose the components and compute the normalization.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = validate_data(self, X, dtype=_FLOATS)
        kernel = _kernel_from_params(self)
        n_components = _check_n_components(self.n_components, X.shape[0])
        if self.sampling == "sequential":
            self._stream = self._new_stream(kernel).fit(X)
            return self._set_components_from_stream(kernel, n_components)
        indices = select_centers(
            kernel, X, n_components, self.sampling, self.alpha, self.random_state, self.backend
        )
        return self._set_components(kernel, X[indices], indices)

    @available_if(lambda self: self.sampling == "sequential")
    def partial_fit(self, X, y=None):
        """Continue the INK-ESTIMATE pass with more samples (``sampling="sequential"``).

        Available only with ``sampling="sequential"``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        first = not hasattr(self, "_stream")
        if first:
            self._validate_params()
        X = validate_data(self, X, dtype=_FLOATS, reset=first)
        kernel = _kernel_from_params(self)
        if first:
            self._stream = self._new_stream(kernel)
        self._stream.partial_fit(X)
        return self._set_components_from_stream(kernel, self.n_components)

    def _new_stream(self, kernel):
        # A penalty must be fixed before the stream is seen: 1.0 when alpha is None.
        return SequentialLeverageScores(
            kernel,
            alpha=1.0 if self.alpha is None else self.alpha,
            random_state=self.random_state,
        )

    def _set_components_from_stream(self, kernel, n_components):
        stream = self._stream
        keep = np.arange(stream.dictionary_indices_.size)
        if keep.size > n_components:
            rng = check_random_state(self.random_state)
            keep = _weighted_choice(rng, stream.probabilities_, n_components)
        return self._set_components(
            kernel, stream.dictionary_[keep], stream.dictionary_indices_[keep]
        )

    def _set_components(self, kernel, components, indices):
        K_MM = np.asarray(kernel._compute(components, components), dtype=np.float64)
        # sklearn's K_MM^-1/2: singular values clipped at 1e-12.
        U, S, Vt = np.linalg.svd(K_MM)
        S = np.clip(S, 1e-12, None)
        self.normalization_ = (U / np.sqrt(S) @ Vt).astype(components.dtype, copy=False)
        self.components_ = components
        self.component_indices_ = np.asarray(indices)
        self._n_features_out = components.shape[0]
        return self

    def transform(self, X):
        """Nystroem features of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components_)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        kernel = _kernel_from_params(self)
        components = self.components_.astype(X.dtype, copy=False)
        normalization_t = self.normalization_.T.astype(X.dtype, copy=False)
        backend = resolve_backend(self.backend, kernel.accel_spec(X.shape[1]))
        if backend.name not in ("numpy", "numba"):
            return KernelOperator(kernel, X, components, backend=backend.name) @ normalization_t
        out = np.empty((X.shape[0], components.shape[0]), dtype=X.dtype)
        step = row_block_size(X.shape[0], components.shape[0], X.dtype.itemsize)
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            np.matmul(kernel_columns(kernel, X[rows], components), normalization_t, out=out[rows])
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class _NystroemRidgeBase(_KernelExpansion):
    """Kernel ridge on Nystroem centers, solved by Falkon."""

    _parameter_constraints = {
        **_KernelExpansion._parameter_constraints,
        **_SAMPLING_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "fit_intercept": ["boolean"],
        "verbose": ["verbose"],
    }

    def _fit_targets(self, X, Y, sample_weight):
        """Choose centers; solve for ``dual_coef_`` (M, n_targets) and ``intercept_``."""
        kernel = _kernel_from_params(self)
        n_components = _check_n_components(self.n_components, X.shape[0])
        indices, center_weights = select_weighted_centers(
            kernel,
            X,
            n_components,
            self.sampling,
            self.alpha or None,
            self.random_state,
            self.backend,
        )
        centers = X[indices]
        K_MM = np.asarray(kernel._compute(centers, centers), dtype=np.float64)
        K_MM = (K_MM + K_MM.T) / 2
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
        scores = _KernelExpansion.predict(self, X)
        scores = scores.reshape(len(scores), -1)
        return scores + self.intercept_


_NYSTROEM_RIDGE_PARAMS = """
    Parameters
    ----------
    alpha : float, default=1.0
        Penalty, as in :class:`~skkernel.KernelRidge`: the objective is
        ``||y - K_nM c - b||^2 + alpha c^T K_MM c`` (weighted by sample_weight;
        ``b = 0`` unless ``fit_intercept``).
    kernel : str or callable, default="rbf"
        Any kernel of :func:`skkernel.make_kernel` except "precomputed".
    gamma : float, default=None
        Kernel parameter; ``None`` means ``1 / n_features``.
    degree : float, default=3
    coef0 : float, default=1
    kernel_params : dict, default=None
    fit_intercept : bool, default=FIT_INTERCEPT
        Whether to fit an unpenalised intercept ``b`` jointly with ``c``:
        ``f(x) = K(x, centers) c + b``.
INTERCEPT_NOTE
    n_components : int, default=1000
        Number of Nystroem centers M (at most n_samples). Time per pass is
        O(n M d), memory O(n d + M^2).
    sampling : {"rls", "uniform", "exact-rls", "sequential", "kernel-thinning"}, \
            default="rls"
        How centers are chosen (see :class:`Nystroem`); "rls" uses leverage scores
        at ``alpha``, or at the larger penalty whose effective dimension is
        ``n_components`` when alpha is smaller than that.
    tol : float, default=1e-3
        CG stops when the residual of the preconditioned system is below ``tol``
        relative to its right-hand side. The default is below the statistical error
        of the fit: on the diamonds and synthetic benchmarks (docs/nystroem.md) the
        test error at 1e-3 is within 0.03% of the exact solution's, with 30% fewer
        passes than at 1e-4. Lower it to approach the exact Nyström solution.
    max_iter : int, default=100
        Most CG iterations (passes over the data); Falkon usually needs 10-30.
    backend : str, default="auto"
        Backend of the passes over the data and of ``predict``: "numba", "numpy",
        "keops", "cupy", or "dask" (blocks of rows on the active Dask cluster).
    random_state : int, RandomState instance or None, default=None
        Chooses the centers.
    verbose : int, default=0
        If positive, a progress bar of the CG iterations.
"""


def _nystroem_ridge_params(fit_intercept, intercept_note):
    """The Parameters section shared by NystroemRidge and NystroemRidgeClassifier."""
    note = textwrap.fill(intercept_note, 88, initial_indent=" " * 8, subsequent_indent=" " * 8)
    return _NYSTROEM_RIDGE_PARAMS.replace("FIT_INTERCEPT", str(fit_intercept)).replace(
        "INTERCEPT_NOTE", note
    )


class NystroemRidge(MultiOutputMixin, RegressorMixin, _NystroemRidgeBase):
    __doc__ = (
        """Kernel ridge regression on Nystroem centers, solved by Falkon.

    The model is ``f(x) = sum_j c_j k(x, z_j)`` (``+ b`` with ``fit_intercept``) over
    M centers ``z_j`` chosen among the training samples (by ridge leverage scores by
    default). With every training sample as a center and no intercept it is
    :class:`~skkernel.KernelRidge`. The coefficients come
    from Falkon's preconditioned conjugate gradients (Rudi et al. 2017, Meanti et
    al. 2020): about 10-30 passes over the data, each computing
    ``K_nM^T (K_nM v)`` block by block, so the n x M matrix is never stored.
"""
        + _nystroem_ridge_params(
            False,
            "Off by default, so that the model is KernelRidge's; on, it is the model "
            "of ``make_pipeline(Nystroem(), Ridge())`` (which centres the features), "
            "often a little more accurate on targets that are not centred.",
        )
        + """
    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_components_,) or (n_components_, n_targets)
        Coefficients ``c`` of the centers.
    intercept_ : float or ndarray of shape (n_targets,)
        ``b``; 0.0 unless ``fit_intercept``.
    components_ : ndarray of shape (n_components_, n_features)
        The centers.
    component_indices_ : ndarray of shape (n_components_,)
        Their indices in the training data.
    n_iter_ : int
        CG iterations.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

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
    )

    def __init__(
        self,
        alpha=1.0,
        *,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        fit_intercept=False,
        n_components=1000,
        sampling="rls",
        tol=1e-3,
        max_iter=100,
        backend="auto",
        random_state=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.fit_intercept = fit_intercept
        self.n_components = n_components
        self.sampling = sampling
        self.tol = tol
        self.max_iter = max_iter
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Choose the centers and fit the coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        coef, intercept = self._fit_targets(X, Y, sample_weight)
        self.dual_coef_ = coef.ravel() if y.ndim == 1 else coef
        self.intercept_ = float(intercept[0]) if y.ndim == 1 and self.fit_intercept else intercept
        return self

    def predict(self, X):
        """Predict with the fitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        y_pred = self._decision(X)
        return y_pred.ravel() if self.dual_coef_.ndim == 1 else y_pred


class NystroemRidgeClassifier(ClassifierMixin, _NystroemRidgeBase):
    __doc__ = (
        """Classification by Nystroem kernel ridge on one-vs-rest targets (Falkon).

    Like :class:`sklearn.linear_model.RidgeClassifier`, the labels become targets
    in {-1, 1} (one column per class, one column for two classes), a
    :class:`NystroemRidge` model with an intercept is fitted to them, and the
    predicted class is the one with the largest decision value.
"""
        + _nystroem_ridge_params(
            True,
            "On by default, as in RidgeClassifier: without it, imbalanced classes "
            "pull every decision far from the data towards the majority's -1.",
        )
        + """    class_weight : dict or "balanced", default=None
        Weights of the classes, multiplied into sample_weight (as in RidgeClassifier).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    intercept_ : float or ndarray of shape (1,) or (n_classes,)
        The intercepts ``b``; 0.0 unless ``fit_intercept``.
    dual_coef_ : ndarray of shape (n_components_,) or (n_components_, n_classes)
    components_ : ndarray of shape (n_components_, n_features)
    component_indices_ : ndarray of shape (n_components_,)
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

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
    )

    _parameter_constraints = {
        **_NystroemRidgeBase._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        fit_intercept=True,
        n_components=1000,
        sampling="rls",
        tol=1e-3,
        max_iter=100,
        class_weight=None,
        backend="auto",
        random_state=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.fit_intercept = fit_intercept
        self.n_components = n_components
        self.sampling = sampling
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Fit one-vs-rest Nystroem ridge models.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=_FLOATS)
        check_classification_targets(y)
        binarizer = LabelBinarizer(pos_label=1, neg_label=-1)
        Y = binarizer.fit_transform(y).astype(np.float64)
        self.classes_ = binarizer.classes_
        if self.classes_.size < 2:
            raise ValueError(
                f"The training data contain only one class ({self.classes_[0]!r}); "
                "a classifier needs at least two."
            )
        if self.class_weight is not None:
            class_weights = compute_sample_weight(self.class_weight, y)
            sample_weight = (
                class_weights if sample_weight is None else sample_weight * class_weights
            )
        _, _, sample_weight = self._validate_fit_data(X, Y, sample_weight)
        self.dual_coef_, self.intercept_ = self._fit_targets(X, Y, sample_weight)
        return self

    def decision_function(self, X):
        """One-vs-rest decision values (ridge predictions of the {-1, 1} targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        scores = self._decision(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

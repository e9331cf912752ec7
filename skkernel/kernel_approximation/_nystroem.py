"""Nystroem kernel features, with components chosen by ridge leverage scores."""

import copy
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import (
    BACKEND_CONSTRAINT,
    FLOAT_DTYPES,
    SPARSE_FORMATS,
    check_finite_kernel,
    dense_features,
    fit_context,
    nystroem_features,
)
from .._centers import (
    CENTER_CONSTRAINTS,
    Sampling,
    centers_from_stream,
    check_n_components,
    select_centers,
)
from .._docs import fill_doc
from .._init_params import store_init_params
from .._linalg import psd_inverse_sqrt
from .._operator import KernelOperator
from .._typing import ArrayLike, BackendName, FloatArray, KernelLike, MatrixLike, RandomStateLike
from ..kernels import (
    is_precomputed,
    kernel_from_params,
    kernel_input_tags,
    kernel_parameter_constraints,
)
from ..leverage import SequentialLeverageScores

__all__ = ["Nystroem"]


def _precomputed(estimator):
    return is_precomputed(estimator.kernel)


def kernel_of(estimator):
    """The estimator's Kernel, None for ``kernel="precomputed"``.

    As scikit-learn's Nystroem, a callable or precomputed kernel refuses gamma, coef0
    and degree (they would be silently ignored): its parameters go in kernel_params.
    """
    named = isinstance(estimator.kernel, str) and not _precomputed(estimator)
    given = [p for p in ("gamma", "coef0", "degree") if getattr(estimator, p) is not None]
    if not named and given:
        raise ValueError(
            "Don't pass gamma, coef0 or degree to Nystroem if using a callable or "
            f"precomputed kernel (got {', '.join(given)}); use kernel_params instead."
        )
    return None if _precomputed(estimator) else kernel_from_params(estimator)


@fill_doc
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
        Any kernel of :func:`skkernel.make_kernel`, or "precomputed": X is then the
        kernel matrix of the training samples in ``fit`` and between new and training
        samples in ``transform`` (as in scikit-learn; ``sampling="uniform"`` only).
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
          Its cost is set by the dictionary (``alpha``), not by ``n_components``.
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
        Backend of the kernel evaluations that choose the components, and of
        ``transform`` when it is a GPU or Dask backend; on the CPU the features
        are blocks of kernel values times ``normalization_.T`` by BLAS.
    random_state : int, RandomState instance or None, default=None
        Randomness of the choice of components.
        Pass an int for reproducible output across multiple function calls.
    n_jobs : int, default=None
        Accepted for compatibility with sklearn; threads follow numba and BLAS.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The chosen training samples.
    component_indices_ : ndarray of shape (n_components,)
        Their indices in the training data.
    normalization_ : ndarray of shape (n_components, n_components)
        ``K(components_, components_)^-1/2``.
    {feature_attributes}

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
        **kernel_parameter_constraints(precomputed=True),
        **CENTER_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="neither"), None],
        "backend": BACKEND_CONSTRAINT,
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        kernel: KernelLike = "rbf",
        *,
        gamma: float | None = None,
        coef0: float | None = None,
        degree: float | None = None,
        kernel_params: dict[str, Any] | None = None,
        n_components: int = 100,
        sampling: Sampling = "uniform",
        alpha: float | None = None,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
        n_jobs: int | None = None,
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(self, X: MatrixLike, y: ArrayLike | None = None) -> "Nystroem":
        """Choose the components and compute the normalization.

        {fit_unsupervised}
        """
        X = dense_features(validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES))
        kernel = kernel_of(self)
        n_components = check_n_components(self.n_components, X.shape[0])
        if kernel is None:
            return self._fit_precomputed(X, n_components)
        if self.sampling == "sequential":
            self._stream = self._new_stream(kernel).fit(X)
            return self._set_components_from_stream(kernel, n_components)
        self.__dict__.pop("_stream", None)  # a stream of an earlier sequential fit
        indices, _ = select_centers(
            kernel,
            X,
            n_components,
            sampling=self.sampling,
            alpha=self.alpha,
            random_state=self.random_state,
            backend=self.backend,
        )
        return self._set_components(kernel, X[indices], indices)

    @available_if(lambda self: self.sampling == "sequential")
    @fit_context
    def partial_fit(self, X: MatrixLike, y: ArrayLike | None = None) -> "Nystroem":
        """Continue the INK-ESTIMATE pass with more samples (``sampling="sequential"``).

        Available only with ``sampling="sequential"``. The pass keeps the kernel and
        ``alpha`` of its first call; a later call with others set is refused (``fit``
        starts a new pass).

        {fit_unsupervised}
        """
        first = not hasattr(self, "_stream")
        X = dense_features(
            validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES, reset=first)
        )
        kernel = kernel_of(self)
        if kernel is None:
            raise ValueError(
                "partial_fit evaluates the kernel: it needs a kernel, not 'precomputed'."
            )
        # The batch goes into a copy of the stream, kept only once the components pass
        # their checks: a failed call must leave the stream as it was (fit_context
        # restores the attributes, not the objects they hold).
        if first:
            self._stream = self._new_stream(kernel)
        else:
            # The stream refuses to continue under another kernel or penalty than it
            # started with (set_params since): say so rather than mix the two.
            self._stream = copy.deepcopy(self._stream).set_params(**self._stream_params(kernel))
        self._stream.partial_fit(X)
        return self._set_components_from_stream(kernel, self.n_components)

    def _stream_params(self, kernel):
        # A penalty must be fixed before the stream is seen: 1.0 when alpha is None.
        alpha = 1.0 if self.alpha is None else self.alpha
        return {"kernel": kernel, "alpha": alpha, "backend": self.backend}

    def _new_stream(self, kernel):
        return SequentialLeverageScores(
            **self._stream_params(kernel), random_state=self.random_state
        )

    def _set_components_from_stream(self, kernel, n_components):
        stream = self._stream
        if stream.dictionary_indices_.size == 0:
            raise ValueError(
                "The sequential pass kept no sample: at alpha="
                f"{stream.alpha:g} every ridge leverage score is below its sampling "
                "threshold (the kernel's values are small next to alpha). Lower alpha, "
                "or use sampling='rls'."
            )
        keep = centers_from_stream(stream, n_components, check_random_state(self.random_state))
        return self._set_components(
            kernel, stream.dictionary_[keep], stream.dictionary_indices_[keep]
        )

    def _fit_precomputed(self, K, n_components):
        """Components from the training kernel matrix K (as scikit-learn's Nystroem):
        uniformly drawn rows, normalised by ``K[idx][:, idx]``."""
        if K.shape[0] != K.shape[1]:
            raise ValueError(
                "With kernel='precomputed', X must be the square kernel matrix of the "
                f"training samples; got shape {K.shape}."
            )
        if self.sampling != "uniform":
            raise ValueError(
                f"sampling={self.sampling!r} evaluates the kernel; with kernel='precomputed' "
                "use sampling='uniform'."
            )
        self.__dict__.pop("_stream", None)
        indices, _ = select_centers(
            None, K, n_components, sampling="uniform", random_state=self.random_state
        )
        self._set_normalization(K[np.ix_(indices, indices)], K.dtype)
        self.components_ = K[indices]
        self.component_indices_ = np.asarray(indices)
        self._n_features_out = indices.size
        return self

    def _set_components(self, kernel, components, indices):
        # In the data's dtype, as transform computes K(X, components): K_MM^-1/2
        # amplifies the null space of a low-rank kernel, where the two must agree.
        K_MM = KernelOperator(kernel, components).gram()
        self._set_normalization(K_MM, components.dtype)
        self.components_ = components
        self.component_indices_ = np.asarray(indices)
        self._n_features_out = components.shape[0]
        return self

    def _set_normalization(self, K_MM, dtype):
        check_finite_kernel(K_MM, "The kernel matrix of the components")
        # sklearn's K_MM^-1/2: singular values clipped at 1e-12.
        self.normalization_ = psd_inverse_sqrt(K_MM).astype(dtype, copy=False)

    def transform(self, X: MatrixLike) -> FloatArray:
        """Nystroem features of X.

        Parameters
        ----------
        {predict_X}

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            ``K(X, components_) @ normalization_.T``, in X's dtype.
        """
        check_is_fitted(self)
        X = dense_features(
            validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=FLOAT_DTYPES, reset=False)
        )
        if _precomputed(self):
            # X holds the kernel between new samples and the training samples.
            normalization_t = self.normalization_.T.astype(X.dtype, copy=False)
            return X[:, self.component_indices_] @ normalization_t
        return nystroem_features(
            kernel_of(self), X, self.components_, self.normalization_, backend=self.backend
        )

    def __sklearn_tags__(self):
        tags = kernel_input_tags(super().__sklearn_tags__(), self.kernel)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

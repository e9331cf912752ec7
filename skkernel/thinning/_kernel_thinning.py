"""KernelThinning: the scikit-learn estimator of kernel-thinning coresets."""

from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import BACKEND_CONSTRAINT, fit_context
from .._docs import fill_doc
from .._init_params import store_init_params
from .._typing import ArrayLike, BackendName, KernelLike, NDArray, RandomStateLike
from ..kernels import kernel_from_params, kernel_input_tags, kernel_parameter_constraints
from ..metrics import mmd
from ._thinner import METHODS, ThinningMethod, thinning_indices

__all__ = ["KernelThinning"]


def _resolve_size(n_components, n_samples):
    if n_components == "sqrt":
        return max(1, int(np.sqrt(n_samples)))
    if n_components > n_samples:
        raise ValueError(
            f"n_components={n_components} is larger than the number of samples, "
            f"{n_samples}: a coreset is a subset of the data. Use n_components <= "
            f"{n_samples}, or 'sqrt'."
        )
    return int(n_components)


@fill_doc
class KernelThinning(BaseEstimator):
    """Kernel thinning: a coreset of the rows of X close to X in kernel MMD.

    Picks ``n_components`` rows (``sqrt(n)`` by default) whose empirical distribution
    matches the whole sample's far better than a random subsample of the same size:
    maximum mean discrepancy about n^-1/2 instead of n^-1/4. Use it to summarise a
    large sample, to subsample training data (:meth:`fit_resample`, the
    imbalanced-learn sampler convention, so it works in an ``imblearn`` Pipeline), or
    as Nystroem landmarks (``Nystroem(sampling="kernel-thinning")``).

    Parameters
    ----------
    kernel : str, Kernel or callable, default="rbf"
        The kernel whose MMD the coreset minimises; anything
        :func:`skkernel.make_kernel` accepts.
    {kernel_parameters}
    n_components : int or "sqrt", default="sqrt"
        Coreset size; "sqrt" means ``floor(sqrt(n_samples))``.
    method : {"compress++", "kt", "target-kt", "kt+"}, default="compress++"
        - "compress++": Compress++ with target-KT halving, O(4^g n log n) kernel
          evaluations; every kernel.
        - "target-kt": KT-SPLIT with the kernel itself, then KT-SWAP; O(n^2)
          evaluations (in blocks; no n x n matrix above ``working_memory``); every
          kernel.
        - "kt": the original KT, KT-SPLIT with the square-root kernel; RBF only.
        - "kt+": KT-SPLIT with the kernel plus its square root; RBF only.
    delta : float in (0, 1), default=0.5
        KT-SPLIT's failure probability: its thresholds hold with probability at
        least ``1 - delta``. Larger values make the walk greedier.
    g : int, default=4
        Compress++'s oversampling parameter: Compress keeps ``2^g n_components``
        points before the final KT. Larger g is slower and closer to KT. Where
        ``2^(g+2) n_components`` exceeds n and n is above 11,585 points (whose Gram
        matrix would not fit scikit-learn's default ``working_memory``), g is
        lowered so the cost stays near-linear. The threshold does not follow the
        configured ``working_memory``, so a seeded coreset does not change with it.
    backend : str, default="auto"
        Backend of the kernel products and dense kernel blocks ("auto", "numpy",
        "numba", "keops", "cupy", "dask"); see :class:`skkernel.KernelOperator`.
    random_state : int, RandomState instance or None, default=None
        Seeds KT-SPLIT's random signs and Compress's symmetrisation.
        Pass an int for reproducible output across multiple function calls.

    Attributes
    ----------
    indices_ : ndarray of int of shape (n_components,)
        Rows of X in the coreset, sorted.
    coreset_ : ndarray of shape (n_components, n_features)
        ``X[indices_]``.
    n_components_ : int
        The coreset size used.
    {feature_attributes}

    See Also
    --------
    skkernel.thinning.mmd : the MMD between X and a subsample.
    skkernel.Nystroem : ``sampling="kernel-thinning"`` uses this coreset as landmarks.

    References
    ----------
    R. Dwivedi, L. Mackey. Kernel Thinning. COLT 2021.
    R. Dwivedi, L. Mackey. Generalized Kernel Thinning. ICLR 2022.
    A. Shetty, R. Dwivedi, L. Mackey. Distribution Compression in Near-linear Time.
    ICLR 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import KernelThinning
    >>> from skkernel.thinning import mmd
    >>> X = np.random.default_rng(0).normal(size=(4096, 2))
    >>> kt = KernelThinning(gamma=0.5, random_state=0).fit(X)
    >>> kt.coreset_.shape
    (64, 2)
    >>> iid = np.random.default_rng(1).choice(4096, 64, replace=False)
    >>> bool(kt.mmd(X) < 0.5 * mmd(X, iid, gamma=0.5))
    True
    """

    _parameter_constraints = {
        **kernel_parameter_constraints(precomputed=False),
        "n_components": [StrOptions({"sqrt"}), Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions(set(METHODS))],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "g": [Interval(Integral, 0, None, closed="left")],
        "backend": BACKEND_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        kernel: KernelLike = "rbf",
        *,
        gamma: float | None = None,
        degree: float | None = 3,
        coef0: float | None = 1,
        kernel_params: dict[str, Any] | None = None,
        n_components: int | Literal["sqrt"] = "sqrt",
        method: ThinningMethod = "compress++",
        delta: float = 0.5,
        g: int = 4,
        backend: BackendName = "auto",
        random_state: RandomStateLike = None,
    ) -> None:
        store_init_params(self, locals())

    def __sklearn_tags__(self):
        return kernel_input_tags(super().__sklearn_tags__(), self.kernel, sparse=False)

    @fit_context
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "KernelThinning":
        """Choose the coreset.

        {fit_unsupervised}
        """
        X = validate_data(self, X, dtype=np.float64)
        size = _resolve_size(self.n_components, X.shape[0])
        self.indices_ = thinning_indices(
            kernel_from_params(self),
            X,
            size,
            method=self.method,
            delta=self.delta,
            g=self.g,
            backend=self.backend,
            random_state=self.random_state,
        )
        self.coreset_ = X[self.indices_]
        self.n_components_ = size
        return self

    def fit_resample(self, X: ArrayLike, y: ArrayLike) -> tuple[Any, Any]:
        """Fit, and return the coreset rows of X and y.

        Parameters
        ----------
        {predict_X}
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets, resampled with X.

        Returns
        -------
        X_resampled : array-like of shape (n_components, n_features)
            ``X[indices_]``, in the container type of X (DataFrames stay DataFrames).
        y_resampled : array-like of shape (n_components,) or (n_components, n_outputs)
            ``y[indices_]``.
        """
        if y is None:
            raise ValueError(
                "fit_resample returns the coreset rows of X and y: y is required (fit(X) "
                "gives the coreset's indices_ alone)."
            )
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}.")
        self.fit(X)
        return _safe_indexing(X, self.indices_), _safe_indexing(y, self.indices_)

    def mmd(self, X: ArrayLike, indices: ArrayLike | None = None) -> float | NDArray[np.float64]:
        """MMD, in this estimator's kernel, between X and ``X[indices]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Usually the data the coreset was fitted on.
        indices : array-like of int, default=None
            None means the fitted ``indices_``.

        Returns
        -------
        mmd : float
            The maximum mean discrepancy in this estimator's kernel.
        """
        check_is_fitted(self)
        # The fitted columns, by number and (for a DataFrame) by name, as predict checks.
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return mmd(
            X,
            self.indices_ if indices is None else indices,
            kernel=kernel_from_params(self),
            backend=self.backend,
        )

"""Kernel functions with scikit-learn semantics.

A :class:`Kernel` says what ``k(x, y)`` is: a family and its parameters. Calling it,
``k(X, Y)``, returns the dense matrix with the numpy reference implementation (for the
families scikit-learn knows, scikit-learn's own :mod:`sklearn.metrics.pairwise`
functions), and ``k.diag(X)`` its diagonal. Large products go through
:class:`skkernel.KernelOperator`, which never forms the matrix and runs on the fastest
backend available.

Kernels are scikit-learn estimators as far as parameters go (``get_params``,
``set_params``, ``clone``), so an estimator holding one as its ``kernel`` can be tuned
with ``kernel__gamma`` in a parameter grid.
"""

from numbers import Integral, Real

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator
from sklearn.gaussian_process.kernels import Kernel as GPKernel
from sklearn.metrics import pairwise
from sklearn.utils._param_validation import Interval, StrOptions

from ._accel._formulas import KernelSpec, paired_kernel, statistic_to_kernel
from ._validation import check_kernel_input, check_kernel_inputs

__all__ = [
    "Kernel",
    "Linear",
    "Polynomial",
    "RBF",
    "Laplacian",
    "Matern",
    "Sigmoid",
    "Cosine",
    "Chi2",
    "AdditiveChi2",
    "ArcCosine",
    "FunctionKernel",
    "GPKernelAdapter",
    "make_kernel",
    "KERNEL_NAMES",
]

_GAMMA = [Interval(Real, 0, None, closed="neither"), None]


class Kernel(BaseEstimator):
    """Base class of skkernel kernels.

    Subclasses implement ``_compute(X, Y)`` (the dense numpy reference on validated
    inputs) and, for the families the backends accelerate, ``_spec(n_features)``
    returning a :class:`~skkernel._accel._formulas.KernelSpec`.
    """

    #: Whether every Gram matrix of this kernel is positive semi-definite.
    positive_definite = True

    def __call__(self, X, Y=None):
        """Dense kernel matrix K(X, Y) (numpy reference implementation).

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
        Y : array-like of shape (n_samples_Y, n_features), default=None
            ``None`` means ``Y = X``.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_Y)
            In the dtype of the inputs (float32 or float64).
        """
        self._validate_params()
        X, Y = check_kernel_inputs(X, Y)
        return self._compute(X, Y).astype(X.dtype, copy=False)

    def diag(self, X):
        """Diagonal of K(X, X), without forming the matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        d : ndarray of shape (n_samples,)
        """
        self._validate_params()
        X = check_kernel_input(X)
        return self._paired(X, X)

    def accel_spec(self, n_features):
        """The resolved family and parameters the backends run, or None.

        ``None`` means the kernel has no accelerated implementation and runs on the
        numpy backend only.
        """
        self._validate_params()
        return self._spec(n_features)

    def _spec(self, n_features):
        return None

    def _paired(self, X, Y):
        """k(x_i, y_i) for each row; validated inputs of equal shape."""
        spec = self._spec(X.shape[1])
        if spec is not None:
            return paired_kernel(spec, X, Y)
        out = np.empty(X.shape[0], dtype=X.dtype)
        for i in range(X.shape[0]):
            out[i] = self._compute(X[i : i + 1], Y[i : i + 1])[0, 0]
        return out

    def _compute(self, X, Y):
        raise NotImplementedError  # pragma: no cover


def _resolve_gamma(gamma, n_features):
    """sklearn's convention: gamma=None means 1 / n_features."""
    return 1.0 / n_features if gamma is None else float(gamma)


class Linear(Kernel):
    """Linear kernel ``k(x, y) = <x, y>`` (sklearn's ``"linear"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Linear
    >>> Linear()(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]))
    array([[11.]])
    """

    _parameter_constraints = {}

    def _compute(self, X, Y):
        return pairwise.linear_kernel(X, Y)

    def _spec(self, n_features):
        return KernelSpec("linear")


class Polynomial(Kernel):
    """Polynomial kernel ``k(x, y) = (gamma <x, y> + coef0) ** degree`` (sklearn's ``"poly"``).

    Parameters
    ----------
    gamma : float, default=None
        ``None`` means ``1 / n_features``.
    degree : float, default=3
    coef0 : float, default=1

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Polynomial
    >>> Polynomial(gamma=1.0, degree=2, coef0=1)(np.array([[1.0, 1.0]]))
    array([[9.]])
    """

    _parameter_constraints = {
        "gamma": _GAMMA,
        "degree": [Interval(Real, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, gamma=None, degree=3, coef0=1):
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0

    @property
    def positive_definite(self):
        return float(self.degree).is_integer() and self.coef0 >= 0

    def _compute(self, X, Y):
        return pairwise.polynomial_kernel(
            X, Y, degree=self.degree, gamma=self.gamma, coef0=self.coef0
        )

    def _spec(self, n_features):
        return KernelSpec(
            "polynomial",
            gamma=_resolve_gamma(self.gamma, n_features),
            degree=float(self.degree),
            coef0=float(self.coef0),
        )


class RBF(Kernel):
    """Gaussian kernel ``k(x, y) = exp(-gamma ||x - y||^2)`` (sklearn's ``"rbf"``).

    Parameters
    ----------
    gamma : float, default=None
        ``None`` means ``1 / n_features``.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import RBF
    >>> RBF(gamma=0.5)(np.array([[0.0], [2.0]])).round(4)
    array([[1.    , 0.1353],
           [0.1353, 1.    ]])
    """

    _parameter_constraints = {"gamma": _GAMMA}

    def __init__(self, gamma=None):
        self.gamma = gamma

    def _compute(self, X, Y):
        return pairwise.rbf_kernel(X, Y, gamma=self.gamma)

    def _spec(self, n_features):
        return KernelSpec("rbf", gamma=_resolve_gamma(self.gamma, n_features))


class Laplacian(Kernel):
    """Laplacian kernel ``k(x, y) = exp(-gamma ||x - y||_1)`` (sklearn's ``"laplacian"``).

    Note the L1 distance, as in :func:`sklearn.metrics.pairwise.laplacian_kernel`.

    Parameters
    ----------
    gamma : float, default=None
        ``None`` means ``1 / n_features``.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Laplacian
    >>> Laplacian(gamma=1.0)(np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]])).round(4)
    array([[0.1353]])
    """

    _parameter_constraints = {"gamma": _GAMMA}

    def __init__(self, gamma=None):
        self.gamma = gamma

    def _compute(self, X, Y):
        return pairwise.laplacian_kernel(X, Y, gamma=self.gamma)

    def _spec(self, n_features):
        return KernelSpec("laplacian", gamma=_resolve_gamma(self.gamma, n_features))


class Matern(Kernel):
    """Matern kernel with smoothness ``nu``, as :class:`sklearn.gaussian_process.kernels.Matern`.

    With ``r = ||x - y||_2 / length_scale``: ``nu=0.5`` gives ``exp(-r)``, ``nu=1.5``
    gives ``(1 + sqrt(3) r) exp(-sqrt(3) r)``, ``nu=2.5`` gives
    ``(1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)`` and ``nu=inf`` the Gaussian
    ``exp(-r^2 / 2)``.

    Parameters
    ----------
    nu : {0.5, 1.5, 2.5, inf}, default=1.5
    length_scale : float, default=1.0

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Matern
    >>> Matern(nu=0.5)(np.array([[0.0]]), np.array([[1.0]])).round(4)
    array([[0.3679]])
    """

    _parameter_constraints = {
        "nu": [StrOptions({"inf"}), Real],
        "length_scale": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, nu=1.5, length_scale=1.0):
        self.nu = nu
        self.length_scale = length_scale

    def _validate_params(self):
        super()._validate_params()
        if float(self.nu) not in (0.5, 1.5, 2.5, np.inf):
            raise ValueError(
                f"Matern supports nu in (0.5, 1.5, 2.5, inf), the values with a closed "
                f"form; got nu={self.nu!r}. For other values use "
                "sklearn.gaussian_process.kernels.Matern (numpy backend only)."
            )

    def _compute(self, X, Y):
        spec = self._spec(X.shape[1])
        if spec.family == "rbf":
            return pairwise.rbf_kernel(X, Y, gamma=spec.gamma)
        # cdist, not the dot-product expansion: the Matern kernel has an infinite
        # slope at r = 0, so distances of nearby points must be exact.
        return statistic_to_kernel(spec, cdist(X, Y))

    def _spec(self, n_features):
        nu = float(self.nu)
        if np.isinf(nu):
            return KernelSpec("rbf", gamma=0.5 / float(self.length_scale) ** 2)
        return KernelSpec("matern", nu=nu, length_scale=float(self.length_scale))


class Sigmoid(Kernel):
    """Sigmoid kernel ``k(x, y) = tanh(gamma <x, y> + coef0)`` (sklearn's ``"sigmoid"``).

    Not positive semi-definite in general.

    Parameters
    ----------
    gamma : float, default=None
        ``None`` means ``1 / n_features``.
    coef0 : float, default=1

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Sigmoid
    >>> Sigmoid(gamma=1.0, coef0=0.0)(np.array([[1.0]])).round(4)
    array([[0.7616]])
    """

    positive_definite = False
    _parameter_constraints = {
        "gamma": _GAMMA,
        "coef0": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, gamma=None, coef0=1):
        self.gamma = gamma
        self.coef0 = coef0

    def _compute(self, X, Y):
        return pairwise.sigmoid_kernel(X, Y, gamma=self.gamma, coef0=self.coef0)

    def _spec(self, n_features):
        return KernelSpec(
            "sigmoid", gamma=_resolve_gamma(self.gamma, n_features), coef0=float(self.coef0)
        )


class Cosine(Kernel):
    """Cosine similarity ``k(x, y) = <x, y> / (||x|| ||y||)`` (sklearn's ``"cosine"``).

    A row of zeros has similarity 0 with everything, as in sklearn.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Cosine
    >>> Cosine()(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])).round(4)
    array([[0.7071]])
    """

    _parameter_constraints = {}

    def _compute(self, X, Y):
        return pairwise.cosine_similarity(X, Y)

    def _spec(self, n_features):
        return KernelSpec("cosine")


class Chi2(Kernel):
    """Exponential chi-squared kernel (sklearn's ``"chi2"``), for non-negative features.

    ``k(x, y) = exp(-gamma sum_i (x_i - y_i)^2 / (x_i + y_i))``.

    Parameters
    ----------
    gamma : float, default=None
        ``None`` means 1.0, the default of :func:`sklearn.metrics.pairwise.chi2_kernel`
        (sklearn's own ``pairwise_kernels(metric="chi2", gamma=None)`` fails instead).

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Chi2
    >>> Chi2()(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])).round(4)
    array([[0.1353]])
    """

    _parameter_constraints = {"gamma": _GAMMA}

    def __init__(self, gamma=None):
        self.gamma = gamma

    def _compute(self, X, Y):
        return pairwise.chi2_kernel(X, Y, gamma=1.0 if self.gamma is None else self.gamma)


class AdditiveChi2(Kernel):
    """Additive chi-squared kernel (sklearn's ``"additive_chi2"``), for non-negative features.

    ``k(x, y) = -sum_i (x_i - y_i)^2 / (x_i + y_i)``; not positive semi-definite.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import AdditiveChi2
    >>> AdditiveChi2()(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    array([[-2.]])
    """

    positive_definite = False
    _parameter_constraints = {}

    def _compute(self, X, Y):
        return pairwise.additive_chi2_kernel(X, Y)


class ArcCosine(Kernel):
    """Arc-cosine kernel of Cho & Saul (2009), order 0 (step) or 1 (ReLU).

    ``k_n(x, y) = ||x||^n ||y||^n J_n(theta) / pi`` with theta the angle between x and y,
    ``J_0 = pi - theta`` and ``J_1 = sin(theta) + (pi - theta) cos(theta)``: the kernel of
    an infinitely wide one-hidden-layer network with step or ReLU units (see
    :class:`~skkernel.ArcCosineFeatures`). Evaluated by the numpy backend.

    Parameters
    ----------
    order : {0, 1}, default=1

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import ArcCosine
    >>> ArcCosine(order=0)(np.array([[1.0, 0.0], [0.0, 1.0]])).round(3)
    array([[1. , 0.5],
           [0.5, 1. ]])
    """

    _parameter_constraints = {"order": [Interval(Integral, 0, 1, closed="both")]}

    def __init__(self, order=1):
        self.order = order

    def _compute(self, X, Y):
        x_norms = np.linalg.norm(X, axis=1)[:, None]
        y_norms = np.linalg.norm(Y, axis=1)[None, :]
        norms = x_norms * y_norms
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.where(norms > 0, (X @ Y.T) / norms, 1.0)
        theta = np.arccos(np.clip(cos, -1.0, 1.0))
        if self.order == 0:
            return 1.0 - theta / np.pi
        return norms * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / np.pi


class FunctionKernel(Kernel):
    """A user function of two samples, as sklearn's ``pairwise_kernels(metric=callable)``.

    The function is called on each pair of rows, so this is slow; it runs on the numpy
    backend only.

    Parameters
    ----------
    function : callable
        ``function(x, y, **kernel_params) -> float`` for two 1-D rows.
    kernel_params : dict, default=None
        Extra keyword arguments for ``function``.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import FunctionKernel
    >>> FunctionKernel(lambda x, y: x @ y)(np.array([[1.0, 2.0]]))
    array([[5.]])
    """

    positive_definite = False
    _parameter_constraints = {"function": [callable], "kernel_params": [dict, None]}

    def __init__(self, function, kernel_params=None):
        self.function = function
        self.kernel_params = kernel_params

    def _compute(self, X, Y):
        return pairwise.pairwise_kernels(X, Y, metric=self.function, **(self.kernel_params or {}))


class GPKernelAdapter(Kernel):
    """A :mod:`sklearn.gaussian_process.kernels` kernel used as a skkernel Kernel.

    Runs on the numpy backend; its ``diag`` is the GP kernel's own.

    Parameters
    ----------
    kernel : sklearn.gaussian_process.kernels.Kernel

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.gaussian_process.kernels import RBF as GPRBF
    >>> from skkernel.kernels import GPKernelAdapter
    >>> GPKernelAdapter(GPRBF(length_scale=1.0))(np.array([[0.0], [1.0]])).round(4)
    array([[1.    , 0.6065],
           [0.6065, 1.    ]])
    """

    _parameter_constraints = {"kernel": [GPKernel]}

    def __init__(self, kernel):
        self.kernel = kernel

    def _compute(self, X, Y):
        return self.kernel(X, Y)

    def _paired(self, X, Y):
        if X is Y:
            return np.asarray(self.kernel.diag(X), dtype=X.dtype)
        return super()._paired(X, Y)


# The names sklearn.metrics.pairwise.pairwise_kernels accepts, plus "matern".
_KERNELS_BY_NAME = {
    "linear": Linear,
    "poly": Polynomial,
    "polynomial": Polynomial,
    "rbf": RBF,
    "laplacian": Laplacian,
    "sigmoid": Sigmoid,
    "cosine": Cosine,
    "chi2": Chi2,
    "additive_chi2": AdditiveChi2,
    "matern": Matern,
}
KERNEL_NAMES = tuple(sorted(_KERNELS_BY_NAME))


def make_kernel(kernel="rbf", *, gamma=None, degree=3, coef0=1, kernel_params=None):
    """Resolve scikit-learn style kernel parameters to a :class:`Kernel`.

    This is what an estimator with ``kernel=``, ``gamma=``, ``degree=``, ``coef0=`` and
    ``kernel_params=`` parameters calls, with sklearn's meaning for each.

    Parameters
    ----------
    kernel : str, Kernel, callable or sklearn.gaussian_process.kernels.Kernel, default="rbf"
        A name from :data:`KERNEL_NAMES` (every name that
        :func:`sklearn.metrics.pairwise.pairwise_kernels` accepts, meaning exactly what
        it means there, plus ``"matern"``); a :class:`Kernel`, returned as is; a
        Gaussian-process kernel, wrapped in :class:`GPKernelAdapter`; or a function
        of two rows, wrapped in :class:`FunctionKernel` with ``kernel_params``.
    gamma, degree, coef0 : float
        Passed to the named kernels that take them (as sklearn's ``KERNEL_PARAMS``
        does) and ignored by the others.
    kernel_params : dict, default=None
        Extra parameters: for a function kernel, its keyword arguments; for a named
        kernel, parameters beyond the three above (``nu`` and ``length_scale`` of
        ``"matern"``).

    Returns
    -------
    kernel : Kernel

    Examples
    --------
    >>> from skkernel import make_kernel
    >>> make_kernel("poly", gamma=0.5, degree=2)
    Polynomial(degree=2, gamma=0.5)
    >>> make_kernel("matern", kernel_params={"nu": 2.5})
    Matern(nu=2.5)
    """
    if isinstance(kernel, Kernel):
        return kernel
    if isinstance(kernel, GPKernel):
        return GPKernelAdapter(kernel)
    if isinstance(kernel, str):
        if kernel == "precomputed":
            raise ValueError(
                "kernel='precomputed' is not a kernel function: pass the kernel matrix "
                "to an estimator that supports kernel='precomputed' instead."
            )
        try:
            cls = _KERNELS_BY_NAME[kernel]
        except KeyError:
            raise ValueError(
                f"Unknown kernel {kernel!r}. Known names: {', '.join(KERNEL_NAMES)}; "
                "or pass a skkernel Kernel, a function of two rows, or a "
                "sklearn.gaussian_process kernel."
            ) from None
        offered = {"gamma": gamma, "degree": degree, "coef0": coef0, **(kernel_params or {})}
        accepted = cls._get_param_names()
        unknown = set(kernel_params or {}) - set(accepted)
        if unknown:
            raise ValueError(
                f"kernel_params {sorted(unknown)} are not parameters of the {kernel!r} "
                f"kernel, which takes {list(accepted) or 'none'}."
            )
        return cls(**{name: offered[name] for name in accepted if name in offered})
    if callable(kernel):
        return FunctionKernel(kernel, kernel_params=kernel_params)
    raise TypeError(
        f"kernel must be a string, a skkernel Kernel, a callable or a "
        f"sklearn.gaussian_process kernel; got {type(kernel).__name__}."
    )


def kernel_from_params(estimator):
    """The Kernel of an estimator with sklearn's kernel parameters.

    Reads ``kernel``, ``gamma``, ``degree``, ``coef0`` and ``kernel_params``; None for
    degree or coef0 (sklearn Nystroem's defaults) means the kernel's own default.
    """
    degree, coef0 = estimator.degree, estimator.coef0
    return make_kernel(
        estimator.kernel,
        gamma=estimator.gamma,
        degree=3 if degree is None else degree,
        coef0=1 if coef0 is None else coef0,
        kernel_params=estimator.kernel_params,
    )

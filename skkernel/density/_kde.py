"""KernelDensity: scikit-learn's kernel density estimator, exact, on the kernel engine."""

import math
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from scipy.special import gammainc
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._base import BACKEND_CONSTRAINT, check_sample_weight, fit_context
from .._docs import fill_doc
from .._init_params import store_init_params
from .._operator import KernelOperator
from .._typing import ArrayLike, BackendName, NDArray, RandomStateLike
from ..kernels import DENSITY_KERNELS, DensityKernel
from ..kernels.density import DensityProfile
from ._base import BandwidthRule, LogLikelihoodScore, bandwidth_rule

__all__ = ["KernelDensity"]

#: Kernels :meth:`KernelDensity.sample` draws from.
SAMPLED_KERNELS = ("gaussian", "tophat", "laplacian")

# Kernels whose values underflow far from the data (the others have compact support
# or, for the Laplacian, the same exponential tail): where a row's weighted mean of
# kernel values is below this, it is recomputed as a log-sum-exp. With weights summing
# to one, the terms that underflowed (each < exp(-708)) are then < exp(-100) of it.
_SMOOTH = ("gaussian", "exponential", "laplacian")
_RECOMPUTE_BELOW = math.exp(-600.0)


@fill_doc
class KernelDensity(LogLikelihoodScore, BaseEstimator):
    """Kernel density estimation, exact: a drop-in for :class:`sklearn.neighbors.KernelDensity`.

    ``p(x) = exp(log_norm) * sum_i w_i k(x, x_i) / sum_i w_i`` with scikit-learn's
    kernels, parameters, bandwidth rules and normalisation. The sums run on skkernel's
    kernel engine (:class:`skkernel.KernelOperator`: fused numba loops, or KeOps,
    CuPy, Dask) and are accumulated in float64, so the log-densities are exact to
    rounding (scikit-learn's trees with ``rtol=0`` are not: on 20,000 points of a
    10-dimensional standard normal, up to 1e-6 relative off at queries drawn like the
    data, and up to 50 too high in log-density at queries twice as spread, where the
    density is low; see docs/density.md). Where every kernel value underflows (a
    query far from all data) the log-density comes from a log-sum-exp reduction, so
    it is the true value instead of ``-inf``.

    The Laplacian kernel in one to three dimensions (and the exponential kernel in
    one) is summed exactly by Langrené & Warin's dominance sums: O(N log N) in one
    and two dimensions, O(N log^2 N) in three.

    Parameters
    ----------
    bandwidth : float or {"scott", "silverman"}, default=1.0
        The bandwidth h, or the rule of thumb that sets it (scikit-learn's:
        :func:`bandwidth_rule`, not scaled by the data).
    algorithm : {"auto", "kd_tree", "ball_tree", "brute"}, default="auto"
        How the sums are computed. No tree is built: "auto", "kd_tree" and
        "ball_tree" (accepted so that scikit-learn code runs unchanged) let the
        engine pick the fastest exact method (the dominance sums where they apply,
        else the fused direct sums); "brute" always evaluates every kernel value.
    kernel : {"gaussian", "tophat", "epanechnikov", "exponential", "linear", \
"cosine", "laplacian"}, default="gaussian"
        The kernel profile (see :class:`skkernel.kernels.DensityKernel`);
        "laplacian", ``exp(-||x - y||_1 / h)``, is an addition to scikit-learn's.
    metric : {"euclidean", "l2"}, default="euclidean"
        The distance of the profiles; only the Euclidean distance, the one whose
        normalisation is correct (the Laplacian kernel is the L1 distance by
        definition).
    atol : float, default=0
        Absolute tolerance accepted on the density. The densities are always exact,
        which meets any tolerance.
    rtol : float, default=0
        Relative tolerance accepted on the density; exact results meet it.
    breadth_first : bool, default=True
        Accepted for compatibility (a tree traversal order); no effect.
    leaf_size : int, default=40
        Accepted for compatibility (a tree parameter); no effect.
    metric_params : dict, default=None
        Accepted for compatibility; must be None or empty (the Euclidean metric
        has no parameters).
    backend : str, default="auto"
        Backend of the kernel sums: "auto", "numpy", "numba", "keops", "cupy" or
        "dask" (see :class:`skkernel.KernelOperator`).

    Attributes
    ----------
    bandwidth_ : float
        The bandwidth used.
    X_fit_ : ndarray of shape (n_samples, n_features)
        The training data, in float64.
    sample_weight_ : ndarray of shape (n_samples,) or None
        The sample weights, or None.
    log_norm_ : float
        log of the kernel's normalisation: ``log p(x)`` is ``log_norm_`` plus the
        log of the weighted mean of kernel values.
    {feature_attributes}

    See Also
    --------
    sklearn.neighbors.KernelDensity : the tree-based estimator this one replaces.
    PrivateKernelDensity : a differentially private release of a Gaussian KDE.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.density import KernelDensity
    >>> X = np.random.default_rng(0).normal(size=(1000, 2))
    >>> kde = KernelDensity(bandwidth="scott").fit(X)
    >>> kde.score_samples([[0.0, 0.0]]).round(2)
    array([-1.96])

    Far from the data the density underflows, but not its logarithm:

    >>> float(kde.score_samples([[40.0, 0.0]])[0])  # doctest: +ELLIPSIS
    -6932.17...
    """

    _parameter_constraints = {
        "bandwidth": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"scott", "silverman"}),
        ],
        "algorithm": [StrOptions({"auto", "kd_tree", "ball_tree", "brute"})],
        "kernel": [StrOptions(set(DENSITY_KERNELS))],
        "metric": [StrOptions({"euclidean", "l2"})],
        "atol": [Interval(Real, 0, None, closed="left")],
        "rtol": [Interval(Real, 0, None, closed="left")],
        "breadth_first": ["boolean"],
        "leaf_size": [Interval(Integral, 1, None, closed="left")],
        "metric_params": [None, dict],
        "backend": BACKEND_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        bandwidth: float | BandwidthRule = 1.0,
        algorithm: Literal["auto", "kd_tree", "ball_tree", "brute"] = "auto",
        kernel: DensityProfile = "gaussian",
        metric: Literal["euclidean", "l2"] = "euclidean",
        atol: float = 0,
        rtol: float = 0,
        breadth_first: bool = True,
        leaf_size: int = 40,
        metric_params: dict[str, Any] | None = None,
        backend: BackendName = "auto",
    ) -> None:
        store_init_params(self, locals())

    @fit_context
    def fit(
        self, X: ArrayLike, y: ArrayLike | None = None, sample_weight: ArrayLike | None = None
    ) -> "KernelDensity":
        """Fit the kernel density model on the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; converted to float64, as scikit-learn does.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples, not all zero.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if self.metric_params:
            raise ValueError(
                f"metric_params={self.metric_params!r}: the Euclidean metric has no "
                "parameters; pass metric_params=None."
            )
        X = validate_data(self, X, dtype=np.float64, order="C")
        # Negative weights and all-zero weights are refused (the density divides by
        # their total).
        sample_weight = check_sample_weight(sample_weight, X)
        n_samples, n_features = X.shape
        if isinstance(self.bandwidth, str):
            bandwidth = bandwidth_rule(self.bandwidth, n_samples, n_features)
        else:
            bandwidth = float(self.bandwidth)
        self.bandwidth_ = bandwidth
        self.X_fit_ = X
        self.sample_weight_ = sample_weight
        self.log_norm_ = DensityKernel(self.kernel, bandwidth).log_norm(n_features)
        return self

    def _relative_weights(self):
        """The sample weights over the largest: the sum of weights near the float
        maximum overflows, the sum of these cannot."""
        return self.sample_weight_ / self.sample_weight_.max()

    def _log_weights(self):
        """log of the sample weights normalised to sum to one."""
        if self.sample_weight_ is None:
            return np.full(self.X_fit_.shape[0], -math.log(self.X_fit_.shape[0]))
        weights = self._relative_weights()
        with np.errstate(divide="ignore"):
            return np.log(weights / weights.sum())

    def score_samples(self, X: ArrayLike) -> NDArray[np.float64]:
        """Log-density of the model at each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points to evaluate the density at.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            ``log p(x)`` in float64, normalised as a probability density; ``-inf``
            only where the density is 0 (beyond the support of a compact kernel).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        # Not centred here: the operator centres data far from the origin itself
        # (where the subtraction is exact), and centring data near it rounded x - c:
        # a pair exactly h apart on integer data came out 1 ulp inside the open ball
        # of a compact kernel.
        queries, data = X, self.X_fit_
        kernel = DensityKernel(self.kernel, self.bandwidth_)
        summation = "direct" if self.algorithm == "brute" else "auto"
        K = KernelOperator(kernel, queries, data, backend=self.backend, summation=summation)
        log_w = self._log_weights()
        density = K @ np.exp(log_w)
        with np.errstate(divide="ignore"):
            log_density = np.log(density)
        far = density < _RECOMPUTE_BELOW
        if self.kernel in _SMOOTH and far.any():
            far_K = KernelOperator(kernel, queries[far], data, backend=self.backend)
            log_density[far] = far_K.logsumexp(log_w)
        # The current kernel's normalisation with its sums, as scikit-learn re-reads
        # ``kernel`` (bandwidth_ stays the fitted one): after set_params(kernel=...)
        # the fitted log_norm_ would normalise another kernel's sums.
        return log_density + kernel.log_norm(X.shape[1])

    def sample(
        self, n_samples: int = 1, random_state: RandomStateLike = None
    ) -> NDArray[np.float64]:
        """Draw samples from the model.

        A training point is chosen (with probability proportional to its weight) and
        a draw from the kernel centred on it added: a Gaussian of standard deviation
        h, a uniform point of the ball of radius h (tophat), or independent Laplace
        variables of scale h (laplacian).

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.
            Pass an int for reproducible output across multiple function calls.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The samples.
        """
        check_is_fitted(self)
        if self.kernel not in SAMPLED_KERNELS:
            raise NotImplementedError(
                f"sample() draws from the {', '.join(SAMPLED_KERNELS)} kernels; got "
                f"kernel={self.kernel!r}."
            )
        rng = check_random_state(random_state)
        n, d = self.X_fit_.shape
        # One uniform draw per sample through the inverse distribution function of
        # the weights: row j takes [W_(j-1), W_j) of the cumulative weights, so
        # integer weights and repeated rows give the same samples.
        u = rng.uniform(size=n_samples)
        if self.sample_weight_ is None:
            rows = (u * n).astype(np.intp)
        else:
            cumulative = np.cumsum(self._relative_weights())
            rows = np.searchsorted(cumulative, u * cumulative[-1], side="right")
        rows = np.minimum(rows, n - 1)
        h = self.bandwidth_
        if self.kernel == "gaussian":
            offsets = rng.normal(scale=h, size=(n_samples, d))
        elif self.kernel == "laplacian":
            offsets = rng.laplace(scale=h, size=(n_samples, d))
        else:
            # Uniform in the ball: the radius' distribution function is (r / h)^d.
            # A normal vector's squared norm is chi-square with d degrees of freedom:
            # its distribution function, gammainc(d/2, s/2), is uniform on [0, 1].
            offsets = rng.normal(size=(n_samples, d))
            squared = np.einsum("ij,ij->i", offsets, offsets)
            radius = h * gammainc(0.5 * d, 0.5 * squared) ** (1.0 / d)
            offsets *= (radius / np.sqrt(squared))[:, None]
        return self.X_fit_[rows] + offsets

"""The kernels of kernel density estimation, with scikit-learn's names and norms.

``DensityKernel(kernel, bandwidth)`` is ``k(x, y) = K(||x - y|| / h)`` for the six
profiles of :class:`sklearn.neighbors.KernelDensity` (all equal to 1 at distance 0)
plus the Laplacian product kernel. The smooth ones are existing families (Gaussian:
``rbf``; exponential: ``matern`` with ``nu = 0.5``, ``laplacian`` in one dimension;
Laplacian: ``laplacian``); the four with compact support are registered here.
:meth:`DensityKernel.log_norm` is the normalisation that turns a weighted mean of
kernel values into a probability density.
"""

import math
from numbers import Real
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
from numpy.typing import NDArray
from scipy import integrate
from scipy.spatial.distance import cdist
from scipy.special import gammaln
from sklearn.utils._param_validation import Interval, StrOptions

from .._init_params import store_init_params
from ._base import Kernel
from ._registry import FamilyParams, KernelFamily, register_family
from .stationary import LAPLACIAN_FAMILY, MATERN_FAMILY, RBF_FAMILY

__all__ = ["DENSITY_KERNELS", "DensityKernel"]

#: A profile of scikit-learn's KernelDensity, or the Laplacian product kernel.
DensityProfile: TypeAlias = Literal[
    "gaussian", "tophat", "epanechnikov", "exponential", "linear", "cosine", "laplacian"
]
#: The profiles of scikit-learn's KernelDensity, and the Laplacian product kernel.
DENSITY_KERNELS: tuple[str, ...] = get_args(DensityProfile)

_CDIST_METRICS = {"sqeuclidean": "sqeuclidean", "euclidean": "euclidean", "l1": "cityblock"}


def _tophat(S, p, xp, rows, cols):
    """1 inside the open ball of radius h (S: squared distances), else 0."""
    return xp.less(S, p["bandwidth"] ** 2).astype(np.float64)


def _epanechnikov(S, p, xp, rows, cols):
    """``max(1 - r^2 / h^2, 0)`` of squared distances S."""
    S *= -1.0 / p["bandwidth"] ** 2
    S += 1.0
    return xp.maximum(S, 0.0, out=S)


def _triangular(S, p, xp, rows, cols):
    """scikit-learn's "linear" profile ``max(1 - r / h, 0)`` of distances S."""
    S *= -1.0 / p["bandwidth"]
    S += 1.0
    return xp.maximum(S, 0.0, out=S)


def _cosine_window(S, p, xp, rows, cols):
    """scikit-learn's "cosine" profile ``cos(pi r / (2 h))`` for ``r < h``, else 0."""
    inside = xp.less(S, p["bandwidth"])
    return xp.where(inside, xp.cos(S * (0.5 * math.pi / p["bandwidth"])), 0.0)


def _log_of(values):
    """The log form of a compact-support family: ``log(values)``, -inf outside.

    Their values do not underflow (they are 0 or at least the smallest positive
    profile value), so the logarithm of the values loses nothing."""

    def log_values(S, p, xp, rows, cols):
        V = values(S, p, xp, rows, cols)
        with np.errstate(divide="ignore"):
            return xp.log(V)

    return log_values


def _check_bandwidth(p):
    if not p["bandwidth"] > 0:
        raise ValueError(f"The bandwidth must be positive; got {p['bandwidth']}.")


def _compact_family(name, statistic, values, block_copies):
    return register_family(
        KernelFamily(
            name,
            statistic,
            ("bandwidth",),
            values,
            _check_bandwidth,
            _log_of(values),
            block_copies=block_copies,
        )
    )


# block_copies: the peaks of their numpy forms, measured with tracemalloc.
TOPHAT_FAMILY = _compact_family("tophat", "sqeuclidean", _tophat, 4)
EPANECHNIKOV_FAMILY = _compact_family("epanechnikov", "sqeuclidean", _epanechnikov, 3)
TRIANGULAR_FAMILY = _compact_family("triangular", "euclidean", _triangular, 4)
COSINE_WINDOW_FAMILY = _compact_family("cosine-window", "euclidean", _cosine_window, 5)

_COMPACT = {
    "tophat": TOPHAT_FAMILY,
    "epanechnikov": EPANECHNIKOV_FAMILY,
    "linear": TRIANGULAR_FAMILY,
    "cosine": COSINE_WINDOW_FAMILY,
}


def _log_unit_ball_volume(d):
    return 0.5 * d * math.log(math.pi) - gammaln(0.5 * d + 1.0)


def _log_unit_sphere_area(d):
    """log of the area of the unit sphere in R^d (the (d-1)-sphere)."""
    return math.log(2.0) + 0.5 * d * math.log(math.pi) - gammaln(0.5 * d)


def _log_radial_integral(kernel, d):
    """log of the integral of the profile over R^d at bandwidth 1."""
    if kernel == "gaussian":
        return 0.5 * d * math.log(2.0 * math.pi)
    if kernel == "laplacian":
        return d * math.log(2.0)  # a product of d one-dimensional exp(-|u|)
    if kernel == "tophat":
        return _log_unit_ball_volume(d)
    if kernel == "epanechnikov":
        return _log_unit_ball_volume(d) + math.log(2.0 / (d + 2.0))
    if kernel == "linear":
        return _log_unit_ball_volume(d) - math.log(d + 1.0)
    if kernel == "exponential":
        # Area of the sphere times int_0^inf exp(-r) r^(d-1) dr = Gamma(d).
        return _log_unit_sphere_area(d) + gammaln(d)
    # cosine: area of the sphere times int_0^1 cos(pi r / 2) r^(d-1) dr. The
    # integral has no handy closed form (an alternating series that cancels badly
    # for large d); adaptive quadrature of the smooth integrand is accurate to ~1e-14.
    radial, _ = integrate.quad(
        lambda r: math.cos(0.5 * math.pi * r) * r ** (d - 1), 0.0, 1.0, epsabs=0, epsrel=1e-13
    )
    return _log_unit_sphere_area(d) + math.log(radial)


class DensityKernel(Kernel):
    """The kernels of :class:`sklearn.neighbors.KernelDensity`, as skkernel kernels.

    ``k(x, y) = K(||x - y|| / h)`` with the profile ``K`` named by ``kernel``, equal to
    1 at distance 0 (``r`` the Euclidean distance, ``h`` the bandwidth):

    - "gaussian": ``exp(-r^2 / (2 h^2))``;
    - "tophat": 1 if ``r < h``;
    - "epanechnikov": ``1 - r^2 / h^2`` if ``r < h``;
    - "exponential": ``exp(-r / h)``;
    - "linear": ``1 - r / h`` if ``r < h``;
    - "cosine": ``cos(pi r / (2 h))`` if ``r < h``;
    - "laplacian" (not in scikit-learn): ``exp(-||x - y||_1 / h)``, a product of
      one-dimensional exponential kernels, whose sums have an exact fast algorithm
      in one to three dimensions.

    The compact profiles are 0 outside the ball. ``exp(log_norm(d)) * k`` integrates
    to 1 over R^d, so ``exp(log_norm(d)) * mean_i k(x, x_i)`` is a probability
    density.

    Parameters
    ----------
    kernel : {"gaussian", "tophat", "epanechnikov", "exponential", "linear", \
"cosine", "laplacian"}, default="gaussian"
        The profile.
    bandwidth : float, default=1.0
        The scale ``h``.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import DensityKernel
    >>> k = DensityKernel("epanechnikov", bandwidth=2.0)
    >>> k(np.array([[0.0], [1.0], [3.0]]), np.array([[0.0]]))
    array([[1.  ],
           [0.75],
           [0.  ]])
    >>> round(float(np.exp(k.log_norm(1))), 4)  # 3 / (4 h)
    0.375
    """

    _parameter_constraints = {
        "kernel": [StrOptions(set(DENSITY_KERNELS))],
        "bandwidth": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, kernel: DensityProfile = "gaussian", bandwidth: float = 1.0) -> None:
        store_init_params(self, locals())

    @property
    def positive_definite(self) -> bool:
        """Whether every Gram matrix of the kernel is positive semi-definite.

        True for the Gaussian, exponential and Laplacian profiles, not for the
        compact ones (the Fourier transform of a ball's indicator changes sign).
        """
        return self.kernel in ("gaussian", "exponential", "laplacian")

    def family_params(self, n_features: int) -> FamilyParams:
        h = float(self.bandwidth)
        if self.kernel == "gaussian":
            return RBF_FAMILY, {"gamma": 0.5 / h**2}
        if self.kernel == "laplacian" or (self.kernel == "exponential" and n_features == 1):
            # In one dimension the Euclidean and L1 distances agree: the exponential
            # profile is then the Laplacian family, with its fast exact sums.
            return LAPLACIAN_FAMILY, {"gamma": 1.0 / h}
        if self.kernel == "exponential":
            return MATERN_FAMILY, {"nu": 0.5, "length_scale": h}
        return _COMPACT[self.kernel], {"bandwidth": h}

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        # Distances by direct differences in float64 (scipy's cdist): the exact
        # reference, including for nearby points and data far from the origin.
        family, params = self.family_params(X.shape[1])
        S = cdist(
            X.astype(np.float64, copy=False),
            Y.astype(np.float64, copy=False),
            _CDIST_METRICS[family.statistic],
        )
        return family.values(S, params, np, None, None)

    def log_norm(self, n_features: int) -> float:
        """Logarithm of the constant that makes ``k(x, .)`` a probability density.

        Parameters
        ----------
        n_features : int
            Dimension d of the data.

        Returns
        -------
        log_norm : float
            ``-log(integral of k(0, u) over R^d)``; it is ``-d log(h)`` plus a
            constant of the profile and d (scikit-learn's ``kernel_norm``).
        """
        self._validate_params()
        d = int(n_features)
        return -_log_radial_integral(self.kernel, d) - d * math.log(float(self.bandwidth))

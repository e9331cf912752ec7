"""Stationary kernels, functions of a distance: RBF, Laplacian, Matern."""

import math
from numbers import Real
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist
from sklearn.metrics import pairwise
from sklearn.utils._param_validation import Interval, StrOptions

from .._init_params import store_init_params
from ._base import Kernel
from ._params import GammaKernel, resolve_gamma
from ._registry import FamilyParams, KernelFamily, register_family

__all__ = ["RBF", "Laplacian", "Matern"]


def _decaying_exponential(S, p, xp, rows, cols):
    if p["gamma"] == 0:
        # The constant kernel, also where the distance overflowed (0 * inf is NaN).
        S.fill(1.0)
        return S
    S *= -p["gamma"]
    return xp.exp(S, out=S)


def _decaying_exponential_log(S, p, xp, rows, cols):
    if p["gamma"] == 0:
        S.fill(0.0)
        return S
    S *= -p["gamma"]
    return S


def _matern_log_values(S, p, xp, rows, cols):
    """log of :func:`_matern_values`, finite wherever the distance is."""
    nu = p["nu"]
    a = {0.5: 1.0, 1.5: math.sqrt(3.0), 2.5: math.sqrt(5.0)}[nu] / p["length_scale"]
    s = a * S
    if nu == 0.5:
        return -s
    if nu == 1.5:
        return xp.log1p(s) - s
    return xp.log1p(s + s * s / 3.0) - s


def _matern_values(S, p, xp, rows, cols):
    """sklearn.gaussian_process.kernels.Matern of Euclidean distances S."""
    nu = p["nu"]
    D = S / p["length_scale"] if p["length_scale"] != 1.0 else S
    if nu == 0.5:
        return xp.exp(-D)
    if nu == 1.5:
        s = math.sqrt(3.0) * D
        return (1.0 + s) * xp.exp(-s)
    s = math.sqrt(5.0) * D
    return (1.0 + s + s * s / 3.0) * xp.exp(-s)


def _check_matern(p):
    if p["nu"] not in (0.5, 1.5, 2.5):
        raise ValueError(
            "The matern family has closed forms for nu in (0.5, 1.5, 2.5); "
            "nu=inf is the rbf family."
        )


RBF_FAMILY = register_family(
    KernelFamily(
        "rbf",
        "sqeuclidean",
        ("gamma",),
        _decaying_exponential,
        log_values=_decaying_exponential_log,
    )
)
LAPLACIAN_FAMILY = register_family(
    KernelFamily(
        "laplacian", "l1", ("gamma",), _decaying_exponential, log_values=_decaying_exponential_log
    )
)
MATERN_FAMILY = register_family(
    KernelFamily(
        "matern",
        "euclidean",
        ("nu", "length_scale"),
        _matern_values,
        _check_matern,
        log_values=_matern_log_values,
        block_copies=7,
    )
)


class RBF(GammaKernel):
    """Gaussian kernel ``k(x, y) = exp(-gamma ||x - y||^2)`` (sklearn's ``"rbf"``).

    Parameters
    ----------
    gamma : float, default=None
        Inverse squared length scale; ``None`` means ``1 / n_features``.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import RBF
    >>> RBF(gamma=0.5)(np.array([[0.0], [2.0]])).round(4)
    array([[1.    , 0.1353],
           [0.1353, 1.    ]])
    """

    names = ("rbf",)
    _sklearn_function = staticmethod(pairwise.rbf_kernel)

    def family_params(self, n_features: int) -> FamilyParams:
        return RBF_FAMILY, {"gamma": resolve_gamma(self.gamma, n_features)}


class Laplacian(GammaKernel):
    """Laplacian kernel ``k(x, y) = exp(-gamma ||x - y||_1)`` (sklearn's ``"laplacian"``).

    Note the L1 distance, as in :func:`sklearn.metrics.pairwise.laplacian_kernel`.

    Parameters
    ----------
    gamma : float, default=None
        Inverse length scale; ``None`` means ``1 / n_features``.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Laplacian
    >>> Laplacian(gamma=1.0)(np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]])).round(4)
    array([[0.1353]])
    """

    names = ("laplacian",)
    _sklearn_function = staticmethod(pairwise.laplacian_kernel)

    def family_params(self, n_features: int) -> FamilyParams:
        return LAPLACIAN_FAMILY, {"gamma": resolve_gamma(self.gamma, n_features)}


class Matern(Kernel):
    """Matern kernel with smoothness ``nu``, as :class:`sklearn.gaussian_process.kernels.Matern`.

    With ``r = ||x - y||_2 / length_scale``: ``nu=0.5`` gives ``exp(-r)``, ``nu=1.5``
    gives ``(1 + sqrt(3) r) exp(-sqrt(3) r)``, ``nu=2.5`` gives
    ``(1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)`` and ``nu=inf`` the Gaussian
    ``exp(-r^2 / 2)``.

    Parameters
    ----------
    nu : {0.5, 1.5, 2.5, inf}, default=1.5
        Smoothness: the kernel's sample functions are ``ceil(nu) - 1`` times
        differentiable.
    length_scale : float, default=1.0
        Distance scale.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Matern
    >>> Matern(nu=0.5)(np.array([[0.0]]), np.array([[1.0]])).round(4)
    array([[0.3679]])
    """

    names = ("matern",)
    _parameter_constraints = {
        "nu": [StrOptions({"inf"}), Real],
        "length_scale": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, nu: float | Literal["inf"] = 1.5, length_scale: float = 1.0) -> None:
        store_init_params(self, locals())

    def _validate_params(self):
        super()._validate_params()
        if float(self.nu) not in (0.5, 1.5, 2.5, np.inf):
            raise ValueError(
                f"Matern supports nu in (0.5, 1.5, 2.5, inf), the values with a closed "
                f"form; got nu={self.nu!r}. For other values use "
                "sklearn.gaussian_process.kernels.Matern (numpy backend only)."
            )

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        family, params = self.family_params(X.shape[1])
        if family is RBF_FAMILY:
            return pairwise.rbf_kernel(X, Y, gamma=params["gamma"])
        # cdist, not the dot-product expansion: the Matern kernel has an infinite
        # slope at r = 0, so distances of nearby points must be exact.
        return _matern_values(cdist(X, Y), params, np, None, None)

    def family_params(self, n_features: int) -> FamilyParams:
        nu = float(self.nu)
        if np.isinf(nu):
            return RBF_FAMILY, {"gamma": 0.5 / float(self.length_scale) ** 2}
        return MATERN_FAMILY, {"nu": nu, "length_scale": float(self.length_scale)}

"""Kernels of the dot product: linear, polynomial, sigmoid, cosine."""

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import pairwise

from .._init_params import store_init_params
from ._base import Kernel
from ._params import COEF0, DEGREE, GAMMA, resolve_gamma
from ._registry import FamilyParams, KernelFamily, register_family

__all__ = ["Cosine", "Linear", "Polynomial", "Sigmoid"]


def _linear_values(S, p, xp, rows, cols):
    return S


def _polynomial_values(S, p, xp, rows, cols):
    S *= p["gamma"]
    S += p["coef0"]
    return xp.power(S, p["degree"], out=S)


def _sigmoid_values(S, p, xp, rows, cols):
    S *= p["gamma"]
    S += p["coef0"]
    return xp.tanh(S, out=S)


def _cosine_values(S, p, xp, rows, cols):
    if S.ndim == 2:
        S /= xp.multiply.outer(rows.norms, cols.norms)
    else:
        S /= rows.norms * cols.norms
    return S


LINEAR_FAMILY = register_family(KernelFamily("linear", "dot", (), _linear_values))
POLYNOMIAL_FAMILY = register_family(
    KernelFamily("polynomial", "dot", ("gamma", "degree", "coef0"), _polynomial_values)
)
SIGMOID_FAMILY = register_family(
    KernelFamily("sigmoid", "dot", ("gamma", "coef0"), _sigmoid_values)
)
COSINE_FAMILY = register_family(KernelFamily("cosine", "dot", (), _cosine_values))


class Linear(Kernel):
    """Linear kernel ``k(x, y) = <x, y>`` (sklearn's ``"linear"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Linear
    >>> Linear()(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]))
    array([[11.]])
    """

    names = ("linear",)
    _parameter_constraints: dict[str, list[Any]] = {}

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        return pairwise.linear_kernel(X, Y)

    def family_params(self, n_features: int) -> FamilyParams:
        return LINEAR_FAMILY, {}


class Polynomial(Kernel):
    """Polynomial kernel ``k(x, y) = (gamma <x, y> + coef0) ** degree`` (sklearn's ``"poly"``).

    Parameters
    ----------
    gamma : float, default=None
        Scale of the dot product; ``None`` means ``1 / n_features``.
    degree : float, default=3
        Exponent; positive semi-definite for integer degrees with ``coef0 >= 0``.
    coef0 : float, default=1
        Offset added to the scaled dot product.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Polynomial
    >>> Polynomial(gamma=1.0, degree=2, coef0=1)(np.array([[1.0, 1.0]]))
    array([[9.]])
    """

    names = ("poly", "polynomial")
    _parameter_constraints = {"gamma": GAMMA, "degree": DEGREE, "coef0": COEF0}

    def __init__(self, gamma: float | None = None, degree: float = 3, coef0: float = 1) -> None:
        store_init_params(self, locals())

    @property
    def positive_definite(self) -> bool:
        """Whether the kernel is PSD: integer degree and ``coef0 >= 0``."""
        return float(self.degree).is_integer() and self.coef0 >= 0

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        return pairwise.polynomial_kernel(
            X, Y, degree=self.degree, gamma=self.gamma, coef0=self.coef0
        )

    def family_params(self, n_features: int) -> FamilyParams:
        return POLYNOMIAL_FAMILY, {
            "gamma": resolve_gamma(self.gamma, n_features),
            "degree": float(self.degree),
            "coef0": float(self.coef0),
        }


class Sigmoid(Kernel):
    """Sigmoid kernel ``k(x, y) = tanh(gamma <x, y> + coef0)`` (sklearn's ``"sigmoid"``).

    Not positive semi-definite in general.

    Parameters
    ----------
    gamma : float, default=None
        Scale of the dot product; ``None`` means ``1 / n_features``.
    coef0 : float, default=1
        Offset added to the scaled dot product.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Sigmoid
    >>> Sigmoid(gamma=1.0, coef0=0.0)(np.array([[1.0]])).round(4)
    array([[0.7616]])
    """

    names = ("sigmoid",)
    positive_definite = False
    _parameter_constraints = {"gamma": GAMMA, "coef0": COEF0}

    def __init__(self, gamma: float | None = None, coef0: float = 1) -> None:
        store_init_params(self, locals())

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        return pairwise.sigmoid_kernel(X, Y, gamma=self.gamma, coef0=self.coef0)

    def family_params(self, n_features: int) -> FamilyParams:
        return SIGMOID_FAMILY, {
            "gamma": resolve_gamma(self.gamma, n_features),
            "coef0": float(self.coef0),
        }


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

    names = ("cosine",)
    _parameter_constraints: dict[str, list[Any]] = {}

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        return pairwise.cosine_similarity(X, Y)

    def family_params(self, n_features: int) -> FamilyParams:
        return COSINE_FAMILY, {}

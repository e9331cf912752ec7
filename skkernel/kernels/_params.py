"""The kernel hyper-parameters, once: their constraints and how an estimator's
``kernel=, gamma=, degree=, coef0=, kernel_params=`` become a Kernel.

Every estimator and every Kernel class takes its constraints from here, so a value
means one thing everywhere: ``gamma=0`` is accepted (as scikit-learn accepts it for
KernelRidge and Nystroem) and gives the constant kernel on every solver and
backend.
"""

from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.gaussian_process.kernels import Kernel as GPKernel
from sklearn.utils._param_validation import Interval, StrOptions

from .._init_params import store_init_params
from ._base import KERNELS_BY_NAME, Kernel

__all__ = [
    "COEF0",
    "DEGREE",
    "GAMMA",
    "GammaKernel",
    "kernel_parameter_constraints",
    "resolve_gamma",
]

#: ``gamma`` of the RBF, Laplacian, polynomial, sigmoid and chi2 kernels; None
#: means ``1 / n_features``.
GAMMA = [Interval(Real, 0, None, closed="left"), None]
#: Degree of the polynomial kernel.
DEGREE = [Interval(Real, 0, None, closed="left")]
#: Offset of the polynomial and sigmoid kernels.
COEF0 = [Interval(Real, None, None, closed="neither")]


class GammaKernel(Kernel):
    """Base of the kernels whose only parameter is the scale ``gamma`` (rbf,
    laplacian, chi2): its constraint, its constructor, and the rule that
    ``gamma=0`` is the constant kernel, which some of scikit-learn's functions refuse.

    Subclasses set ``_sklearn_function``, scikit-learn's function of
    ``(X, Y, gamma)``, as a staticmethod.
    """

    _parameter_constraints = {"gamma": GAMMA}

    def __init__(self, gamma: float | None = None) -> None:
        store_init_params(self, locals())

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        if self.gamma == 0:
            # Ones in the inputs' floating dtype, as on every backend.
            dtype = np.result_type(X.dtype, Y.dtype, np.float32)
            return np.ones((X.shape[0], Y.shape[0]), dtype=dtype)
        return self._sklearn_function(X, Y, gamma=self.gamma)


def resolve_gamma(gamma: float | None, n_features: int) -> float:
    """scikit-learn's convention: ``gamma=None`` means ``1 / n_features``."""
    return 1.0 / n_features if gamma is None else float(gamma)


def kernel_parameter_constraints(*, precomputed: bool = True) -> dict[str, list[Any]]:
    """The ``_parameter_constraints`` entries of an estimator's kernel parameters.

    Parameters
    ----------
    precomputed : bool, default=True
        Whether the estimator takes ``kernel="precomputed"`` (a kernel matrix in
        place of X).

    Returns
    -------
    constraints : dict
        For ``kernel``, ``gamma``, ``degree``, ``coef0`` and ``kernel_params``. An
        unknown kernel name fails parameter validation, before any fitted state is
        touched. ``degree`` and ``coef0`` also accept None, the defaults of
        scikit-learn's Nystroem, meaning the kernel's own default.

    Examples
    --------
    >>> from skkernel.kernels import kernel_parameter_constraints
    >>> sorted(kernel_parameter_constraints())
    ['coef0', 'degree', 'gamma', 'kernel', 'kernel_params']
    """
    names = set(KERNELS_BY_NAME) | ({"precomputed"} if precomputed else set())
    return {
        "kernel": [StrOptions(names), Kernel, GPKernel, callable],
        "gamma": GAMMA,
        "degree": [*DEGREE, None],
        "coef0": [*COEF0, None],
        "kernel_params": [dict, None],
    }

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
from sklearn.gaussian_process.kernels import Kernel as GPKernel
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import KERNELS_BY_NAME, Kernel

__all__ = [
    "COEF0",
    "DEGREE",
    "GAMMA",
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


def constant_block(X: Any, Y: Any) -> Any:
    """The kernel of ``gamma=0``, ones, for kernels whose scikit-learn function
    refuses 0 (laplacian, chi2): in the inputs' floating dtype."""
    dtype = np.result_type(X.dtype, Y.dtype, np.float32)
    return np.ones((X.shape[0], Y.shape[0]), dtype=dtype)


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

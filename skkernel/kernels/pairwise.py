"""Kernels without a closed form for the backends: chi-squared, user functions,
Gaussian-process kernels. They run on the numpy backend, through :meth:`compute`."""

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.gaussian_process.kernels import Kernel as GPKernel
from sklearn.metrics import pairwise
from sklearn.utils.validation import check_non_negative

from .._init_params import store_init_params
from ._base import Kernel
from ._params import GammaKernel

__all__ = ["AdditiveChi2", "Chi2", "FunctionKernel", "GPKernelAdapter"]


def _chi2_operands(X, Y, name):
    """X and Y as scikit-learn's Cython chi2 kernels take them, checked non-negative
    with scikit-learn's message for estimators that say ``positive_only``."""
    for A in (X, Y):
        check_non_negative(A, f"the {name} kernel")
    # They need writable buffers: a read-only array (a memmap, a pandas frame's values
    # under copy-on-write) raised "buffer source array is read-only".
    return (np.require(A, requirements="W") for A in (X, Y))


def _chi2(X: NDArray[np.floating], Y: NDArray[np.floating], gamma: float | None) -> NDArray[Any]:
    gamma = 1.0 if gamma is None else gamma
    return pairwise.chi2_kernel(*_chi2_operands(X, Y, "chi2"), gamma=gamma)


class Chi2(GammaKernel):
    """Exponential chi-squared kernel (sklearn's ``"chi2"``), for non-negative features.

    ``k(x, y) = exp(-gamma sum_i (x_i - y_i)^2 / (x_i + y_i))``.

    Parameters
    ----------
    gamma : float, default=None
        Scale; ``None`` means 1.0, the default of
        :func:`sklearn.metrics.pairwise.chi2_kernel` (sklearn's own
        ``pairwise_kernels(metric="chi2", gamma=None)`` fails instead).

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.kernels import Chi2
    >>> Chi2()(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])).round(4)
    array([[0.1353]])
    """

    names = ("chi2",)
    positive_only = True
    _sklearn_function = staticmethod(_chi2)


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

    names = ("additive_chi2",)
    positive_definite = False
    positive_only = True
    _parameter_constraints: dict[str, list[Any]] = {}

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        return pairwise.additive_chi2_kernel(*_chi2_operands(X, Y, "additive_chi2"))


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

    def __init__(
        self, function: Callable[..., float], kernel_params: dict[str, Any] | None = None
    ) -> None:
        store_init_params(self, locals())

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        return pairwise.pairwise_kernels(X, Y, metric=self.function, **(self.kernel_params or {}))


class GPKernelAdapter(Kernel):
    """A :mod:`sklearn.gaussian_process.kernels` kernel used as a skkernel Kernel.

    Runs on the numpy backend; its ``diag`` is the GP kernel's own.

    Parameters
    ----------
    kernel : sklearn.gaussian_process.kernels.Kernel
        The Gaussian-process kernel.

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

    def __init__(self, kernel: GPKernel) -> None:
        store_init_params(self, locals())

    def compute(self, X: NDArray[np.floating], Y: NDArray[np.floating]) -> NDArray[Any]:
        return self.kernel(X, Y)

    def compute_paired(
        self, X: NDArray[np.floating], Y: NDArray[np.floating]
    ) -> NDArray[np.floating]:
        if X is Y:
            return np.asarray(self.kernel.diag(X), dtype=X.dtype)
        return super().compute_paired(X, Y)

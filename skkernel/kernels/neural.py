"""Kernels of infinitely wide neural networks."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import Kernel

__all__ = ["ArcCosine"]


class ArcCosine(Kernel):
    """Arc-cosine kernel of Cho & Saul (2009), order 0 (step) or 1 (ReLU).

    ``k_n(x, y) = ||x||^n ||y||^n J_n(theta) / pi`` with theta the angle between x and y,
    ``J_0 = pi - theta`` and ``J_1 = sin(theta) + (pi - theta) cos(theta)``: the kernel of
    an infinitely wide one-hidden-layer network with step or ReLU units (see
    :class:`~skkernel.ArcCosineFeatures`). Evaluated by the numpy backend.

    Parameters
    ----------
    order : {0, 1}, default=1
        0 for step units, 1 for ReLU units.

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

    def compute(self, X, Y):
        x_norms = np.linalg.norm(X, axis=1)[:, None]
        y_norms = np.linalg.norm(Y, axis=1)[None, :]
        norms = x_norms * y_norms
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.where(norms > 0, (X @ Y.T) / norms, 1.0)
        theta = np.arccos(np.clip(cos, -1.0, 1.0))
        if self.order == 0:
            return 1.0 - theta / np.pi
        return norms * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / np.pi

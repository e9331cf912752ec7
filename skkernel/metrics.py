"""Discrepancies between a sample and a subsample."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._docs import fill_doc
from ._operator import KernelOperator
from ._typing import ArrayLike, BackendName, KernelLike, NDArray
from ._validation import check_kernel_input
from .kernels import make_kernel

__all__ = ["mmd"]


@fill_doc
def mmd(
    X: ArrayLike,
    indices: ArrayLike | Sequence[ArrayLike],
    *,
    kernel: KernelLike = "rbf",
    gamma: float | None = None,
    degree: float = 3,
    coef0: float = 1,
    kernel_params: dict[str, Any] | None = None,
    backend: BackendName = "auto",
) -> float | NDArray[np.float64]:
    """Maximum mean discrepancy between the rows of X and the rows ``X[indices]``.

    ``MMD^2 = mean K(X, X) - 2 mean K(X, S) + mean K(S, S)`` for ``S = X[indices]``,
    each mean from kernel products (blocked, on the chosen backend): the n x n
    matrix is never formed.

    Parameters
    ----------
    {predict_X}
    indices : array-like of int, or a list of them
        Rows of X forming the subsample (repeats count with their multiplicity). A
        list of index arrays returns one MMD per array, sharing the ``K(X, X)``
        term.
    kernel : str, Kernel or callable, default="rbf"
        Any kernel of :func:`skkernel.make_kernel`.
    {kernel_parameters}
    backend : str, default="auto"
        Backend of the kernel products.

    Returns
    -------
    mmd : float or ndarray of shape (len(indices),)
        The MMD; an array of them for a list of index arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.thinning import mmd
    >>> X = np.random.default_rng(0).normal(size=(1000, 2))
    >>> round(mmd(X, np.arange(1000), gamma=0.5), 12)
    0.0
    >>> bool(mmd(X, np.arange(10), gamma=0.5) > mmd(X, np.arange(500), gamma=0.5))
    True
    """
    X = check_kernel_input(X, dtype=np.float64)
    several = isinstance(indices, list | tuple) and len(indices) > 0 and np.ndim(indices[0]) == 1
    subsets = [_check_indices(i, X.shape[0]) for i in (indices if several else [indices])]
    k = make_kernel(kernel, gamma=gamma, degree=degree, coef0=coef0, kernel_params=kernel_params)
    n = X.shape[0]
    ones = np.ones(n)
    whole = (KernelOperator(k, X, backend=backend) @ ones).sum() / n**2
    values = []
    for subset in subsets:
        S = X[subset]
        s = subset.size
        cross = (KernelOperator(k, S, X, backend=backend) @ ones).sum() / (n * s)
        inner = (KernelOperator(k, S, backend=backend) @ np.ones(s)).sum() / s**2
        values.append(np.sqrt(max(whole - 2.0 * cross + inner, 0.0)))
    return np.array(values) if several else float(values[0])


def _check_indices(indices, n_samples):
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.size == 0:
        raise ValueError(
            f"indices must be a non-empty 1-D array of row numbers; got shape {indices.shape}."
        )
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"indices must be integers; got dtype {indices.dtype}.")
    if indices.min() < -n_samples or indices.max() >= n_samples:
        raise IndexError(
            f"indices must lie in [-{n_samples}, {n_samples}) (negative ones count from "
            f"the end); got {indices.min()}..{indices.max()}."
        )
    return indices

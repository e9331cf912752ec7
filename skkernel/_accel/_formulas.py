"""Closed forms of the accelerated kernel families, written once for any array module.

Every accelerated family is a function of one pairwise statistic: the squared Euclidean
distance (RBF), the Euclidean distance (Matern), the L1 distance (Laplacian) or the dot
product (linear, polynomial, sigmoid, cosine). The functions here take the array module
``xp`` (numpy or cupy), so the CuPy backend and the numpy helpers share one definition
and the GPU formulas are tested on the CPU with ``xp=numpy``.
"""

import math
from dataclasses import dataclass

import numpy as np

# Statistic each family is a function of.
STATISTIC = {
    "rbf": "sqeuclidean",
    "matern": "euclidean",
    "laplacian": "l1",
    "linear": "dot",
    "polynomial": "dot",
    "sigmoid": "dot",
    "cosine": "dot",
}

# Direct differences need an (rows, m, d) temporary; keep it this many elements at most.
_MAX_DIFF_ELEMENTS = 2**22


@dataclass(frozen=True)
class KernelSpec:
    """A fully resolved accelerated kernel: its family and numeric parameters.

    Backends receive a ``KernelSpec`` instead of a Kernel object, so they never need
    to know about the Kernel classes. Unused fields keep their defaults.
    """

    family: str
    gamma: float = 1.0
    degree: float = 3.0
    coef0: float = 1.0
    nu: float = 1.5
    length_scale: float = 1.0

    def __post_init__(self):
        if self.family not in STATISTIC:
            raise ValueError(f"Unknown kernel family {self.family!r}.")
        if self.family == "matern" and self.nu not in (0.5, 1.5, 2.5):
            raise ValueError("Matern KernelSpec needs nu in (0.5, 1.5, 2.5); nu=inf is 'rbf'.")

    @property
    def statistic(self):
        return STATISTIC[self.family]


def statistic_to_kernel(spec, S, xp=np, x_norms=None, y_norms=None):
    """Turn a block of the pairwise statistic into kernel values, in place where possible.

    Parameters
    ----------
    spec : KernelSpec
    S : array of shape (n, m)
        The statistic named by ``spec.statistic``; overwritten.
    xp : module
        numpy or cupy.
    x_norms, y_norms : arrays of shape (n,) and (m,), optional
        :func:`cosine_norms` of the rows, needed by the cosine family only.
    """
    f = spec.family
    if f == "rbf":
        S *= -spec.gamma
        return xp.exp(S, out=S)
    if f == "laplacian":
        S *= -spec.gamma
        return xp.exp(S, out=S)
    if f == "matern":
        return _matern(S / spec.length_scale if spec.length_scale != 1.0 else S, spec.nu, xp)
    if f == "linear":
        return S
    if f == "polynomial":
        S *= spec.gamma
        S += spec.coef0
        return xp.power(S, spec.degree, out=S)
    if f == "sigmoid":
        S *= spec.gamma
        S += spec.coef0
        return xp.tanh(S, out=S)
    if f == "cosine":
        S /= xp.multiply.outer(x_norms, y_norms) if S.ndim == 2 else x_norms * y_norms
        return S
    raise ValueError(f"Unknown kernel family {f!r}.")  # pragma: no cover


def _matern(D, nu, xp):
    """Matern kernel of scaled distances D (sklearn.gaussian_process.kernels.Matern)."""
    if nu == 0.5:
        return xp.exp(-D)
    if nu == 1.5:
        s = math.sqrt(3.0) * D
        return (1.0 + s) * xp.exp(-s)
    s = math.sqrt(5.0) * D
    return (1.0 + s + s * s / 3.0) * xp.exp(-s)


def pairwise_statistic(statistic, X, Y, xp=np, x_sq=None, y_sq=None):
    """Dense block of a pairwise statistic between the rows of X and of Y.

    Squared distances use the dot-product expansion (one GEMM); Euclidean and L1
    distances use direct differences, in row chunks, because the expansion loses
    all relative accuracy for nearby points and the Matern kernel has an infinite
    slope at distance zero.
    """
    if statistic == "dot":
        return X @ Y.T
    if statistic == "sqeuclidean":
        if x_sq is None:
            x_sq = xp.einsum("ij,ij->i", X, X)
        if y_sq is None:
            y_sq = xp.einsum("ij,ij->i", Y, Y)
        S = X @ Y.T
        S *= -2
        S += x_sq[:, None]
        S += y_sq[None, :]
        return xp.maximum(S, 0, out=S)
    n, m, d = X.shape[0], Y.shape[0], X.shape[1]
    S = xp.empty((n, m), dtype=X.dtype)
    step = max(1, _MAX_DIFF_ELEMENTS // max(1, m * d))
    for start in range(0, n, step):
        diff = X[start : start + step, None, :] - Y[None, :, :]
        if statistic == "l1":
            xp.abs(diff, out=diff)
            S[start : start + step] = diff.sum(axis=2)
        else:
            diff *= diff
            S[start : start + step] = xp.sqrt(diff.sum(axis=2))
    return S


def paired_statistic(statistic, X, Y, xp=np):
    """The statistic between row i of X and row i of Y, for every i."""
    if statistic == "dot":
        return xp.einsum("ij,ij->i", X, Y)
    diff = X - Y
    if statistic == "l1":
        return xp.abs(diff).sum(axis=1)
    sq = xp.einsum("ij,ij->i", diff, diff)
    return sq if statistic == "sqeuclidean" else xp.sqrt(sq)


def cosine_norms(X, xp=np, sq_norms=None):
    """Row norms to divide by in the cosine kernel, as sklearn.preprocessing.normalize:
    norms below 10 machine epsilons are taken as 1, so (near-)zero rows stay as they are
    (their similarity is ~0) instead of being blown up to unit length."""
    if sq_norms is None:
        sq_norms = xp.einsum("ij,ij->i", X, X)
    norms = xp.sqrt(sq_norms)
    norms[norms < 10 * np.finfo(X.dtype).eps] = 1
    return norms


def kernel_block(spec, X, Y, xp=np, x_sq=None, y_sq=None):
    """Dense block K(X, Y) of an accelerated family, in X's dtype."""
    S = pairwise_statistic(spec.statistic, X, Y, xp, x_sq, y_sq)
    norms = (None, None)
    if spec.family == "cosine":
        norms = (cosine_norms(X, xp, x_sq), cosine_norms(Y, xp, y_sq))
    return statistic_to_kernel(spec, S, xp, *norms).astype(X.dtype, copy=False)


def paired_kernel(spec, X, Y, xp=np):
    """k(x_i, y_i) for every row i of X and Y (same shape)."""
    S = paired_statistic(spec.statistic, X, Y, xp)
    norms = (cosine_norms(X, xp), cosine_norms(Y, xp)) if spec.family == "cosine" else (None, None)
    return statistic_to_kernel(spec, S, xp, *norms).astype(X.dtype, copy=False)

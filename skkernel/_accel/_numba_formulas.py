"""The kernel families' closed forms for the numba backend, one function per family.

Each formula turns ``w`` values of its family's pairwise statistic, in ``s[:w]``
(float64), into kernel values in place. All share one signature, so the fused loops
of :mod:`._numba` dispatch on the family's position in :data:`FORMULAS`:

``formula(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0)``

- ``p``: the family's parameters (``KernelSpec.packed()``, in the family's order);
- ``t`` (float64) and ``ibuf`` (int64): scratch of at least ``w`` values;
- ``x_sq``: squared norm of the row; ``y_sq[c0 + j]``: of column j;
- ``x_norm``, ``y_norms[c0 + j]``: the norms the cosine kernel divides by.

Adding a family to the numba backend is one function here and one entry in
:data:`FORMULAS`, under the family's registry name. Families with a log form (the
registry's ``log_values``) also get one in :data:`LOG_FORMULAS`, with the same
signature, for log-sum-exp reductions: it turns the statistic into ``log k``, with
:data:`LOG_ZERO` (a finite stand-in for ``-inf``, since the loops are compiled
assuming no infinities) where the kernel is zero.

``math.exp`` is a scalar library call that stops LLVM from vectorising a loop (numba
vectorises it only with Intel's SVML, which is not a dependency), so the decaying
families use a vectorisable exp: Cody-Waite range reduction and a degree-13
polynomial, accurate to about one ulp on the arguments these kernels produce (<= 0).
"""

import math

import numpy as np

from .._compile import jit

# Fast-math flags. Reassociation lets LLVM vectorise the loops; the exp keeps the
# order of its operations (the range reduction depends on it).
FASTMATH = {"nnan", "ninf", "nsz", "arcp", "contract", "reassoc"}
_FM_EXP = {"nnan", "ninf", "nsz", "contract"}

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_EXP_MIN_ARG = -708.0  # exp below this is < 3e-308; returned as 0


@jit(fastmath=_FM_EXP)
def exp_inplace(s, w, ibuf):
    """s[:w] <- exp(s[:w]), vectorised; arguments must be <= ~709."""
    for j in range(w):
        x = s[j]
        xc = x if x > _EXP_MIN_ARG else _EXP_MIN_ARG
        k = np.floor(xc * _LOG2E + 0.5)
        r = xc - k * _LN2_HI
        r = r - k * _LN2_LO
        p = 1.6059043836821613e-10
        p = p * r + 2.08767569878681e-09
        p = p * r + 2.505210838544172e-08
        p = p * r + 2.755731922398589e-07
        p = p * r + 2.7557319223985893e-06
        p = p * r + 2.48015873015873e-05
        p = p * r + 1.984126984126984e-04
        p = p * r + 1.388888888888889e-03
        p = p * r + 8.333333333333333e-03
        p = p * r + 4.1666666666666664e-02
        p = p * r + 1.6666666666666666e-01
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        s[j] = p if x > _EXP_MIN_ARG else 0.0
        ibuf[j] = (np.int64(k) + 1023) << 52
    scale = ibuf.view(np.float64)
    for j in range(w):
        s[j] *= scale[j]


@jit(fastmath=FASTMATH)
def _decaying_exponential(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """rbf (squared distances) and laplacian (L1 distances): exp(-gamma s)."""
    gamma = p[0]
    for j in range(w):
        s[j] = -gamma * s[j]
    exp_inplace(s, w, ibuf)


@jit(fastmath=FASTMATH)
def _matern(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """matern of Euclidean distances; p = (nu, length_scale)."""
    nu, length_scale = p[0], p[1]
    a = 1.0 if nu == 0.5 else (math.sqrt(3.0) if nu == 1.5 else math.sqrt(5.0))
    a = a / length_scale
    for j in range(w):
        r = a * s[j]
        if nu == 0.5:
            t[j] = 1.0
        elif nu == 1.5:
            t[j] = 1.0 + r
        else:
            t[j] = 1.0 + r + r * r / 3.0
        s[j] = -r
    exp_inplace(s, w, ibuf)
    for j in range(w):
        s[j] *= t[j]


@jit(fastmath=FASTMATH)
def _linear(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """linear: the dot product itself."""


@jit(fastmath=FASTMATH)
def _polynomial(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """polynomial; p = (gamma, degree, coef0)."""
    gamma, degree, coef0 = p[0], p[1], p[2]
    int_degree = degree == np.floor(degree) and degree <= 64
    for j in range(w):
        base = gamma * s[j] + coef0
        if int_degree:
            v = 1.0
            for _ in range(int(degree)):
                v *= base
            s[j] = v
        else:
            s[j] = base**degree


@jit(fastmath=FASTMATH)
def _sigmoid(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """sigmoid; p = (gamma, coef0)."""
    gamma, coef0 = p[0], p[1]
    for j in range(w):
        s[j] = math.tanh(gamma * s[j] + coef0)


@jit(fastmath=FASTMATH)
def _cosine(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """cosine: the dot product over the (clipped) norms."""
    for j in range(w):
        s[j] = s[j] / (x_norm * y_norms[c0 + j])


@jit(fastmath=FASTMATH)
def _tophat(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """tophat of squared distances: 1 inside the open ball of radius p[0]."""
    h2 = p[0] * p[0]
    for j in range(w):
        s[j] = 1.0 if s[j] < h2 else 0.0


@jit(fastmath=FASTMATH)
def _epanechnikov(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """epanechnikov of squared distances: max(1 - s / h^2, 0), h = p[0]."""
    scale = 1.0 / (p[0] * p[0])
    for j in range(w):
        v = 1.0 - s[j] * scale
        s[j] = v if v > 0.0 else 0.0


@jit(fastmath=FASTMATH)
def _triangular(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """triangular (scikit-learn's "linear" KDE profile) of distances: max(1 - r / h, 0)."""
    scale = 1.0 / p[0]
    for j in range(w):
        v = 1.0 - s[j] * scale
        s[j] = v if v > 0.0 else 0.0


@jit(fastmath=FASTMATH)
def _cosine_window(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """cosine-window of distances: cos(pi r / (2 h)) for r < h, else 0."""
    h = p[0]
    scale = 0.5 * math.pi / h
    for j in range(w):
        r = s[j]
        s[j] = math.cos(r * scale) if r < h else 0.0


#: log k where k is 0, in LOG_FORMULAS: finite, so the loops may assume no
#: infinities, and far below any real log-kernel value (those are >= ~-1e300 only
#: for distances ~1e150 bandwidths away, where a density is 0 in any case).
LOG_ZERO = -1e300


@jit(fastmath=FASTMATH)
def _log_decaying_exponential(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """log of rbf and laplacian: -gamma s."""
    gamma = p[0]
    for j in range(w):
        v = -gamma * s[j]
        s[j] = v if v > LOG_ZERO else LOG_ZERO


@jit(fastmath=FASTMATH)
def _log_matern(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """log of matern: log(polynomial) - a r."""
    nu, length_scale = p[0], p[1]
    a = 1.0 if nu == 0.5 else (math.sqrt(3.0) if nu == 1.5 else math.sqrt(5.0))
    a = a / length_scale
    for j in range(w):
        r = a * s[j]
        if nu == 0.5:
            v = -r
        elif nu == 1.5:
            v = math.log1p(r) - r
        else:
            v = math.log1p(r + r * r / 3.0) - r
        s[j] = v if v > LOG_ZERO else LOG_ZERO


@jit(fastmath=FASTMATH)
def _log_tophat(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    h2 = p[0] * p[0]
    for j in range(w):
        s[j] = 0.0 if s[j] < h2 else LOG_ZERO


@jit(fastmath=FASTMATH)
def _log_epanechnikov(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    h2 = p[0] * p[0]
    for j in range(w):
        s[j] = math.log1p(-s[j] / h2) if s[j] < h2 else LOG_ZERO


@jit(fastmath=FASTMATH)
def _log_triangular(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    h = p[0]
    for j in range(w):
        s[j] = math.log1p(-s[j] / h) if s[j] < h else LOG_ZERO


@jit(fastmath=FASTMATH)
def _log_cosine_window(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    h = p[0]
    scale = 0.5 * math.pi / h
    for j in range(w):
        r = s[j]
        v = math.cos(r * scale) if r < h else 0.0
        s[j] = math.log(v) if v > 0.0 else LOG_ZERO


#: Families whose cost is the GEMM of their dot products: the numpy reference
#: (scikit-learn's pairwise code) builds their dense blocks as fast, and bit for bit
#: as scikit-learn does, so dense blocks of these stay with it.
GEMM_BOUND = frozenset({"linear", "polynomial", "sigmoid", "cosine"})

#: Registry family name -> numba formula.
FORMULAS = {
    "rbf": _decaying_exponential,
    "laplacian": _decaying_exponential,
    "matern": _matern,
    "linear": _linear,
    "polynomial": _polynomial,
    "sigmoid": _sigmoid,
    "cosine": _cosine,
    "tophat": _tophat,
    "epanechnikov": _epanechnikov,
    "triangular": _triangular,
    "cosine-window": _cosine_window,
}

#: Registry family name -> numba log form (families with non-negative values).
LOG_FORMULAS = {
    "rbf": _log_decaying_exponential,
    "laplacian": _log_decaying_exponential,
    "matern": _log_matern,
    "tophat": _log_tophat,
    "epanechnikov": _log_epanechnikov,
    "triangular": _log_triangular,
    "cosine-window": _log_cosine_window,
}

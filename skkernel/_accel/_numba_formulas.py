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
    if gamma == 0.0:
        # The constant kernel, also where the distance overflowed (0 * inf is NaN).
        for j in range(w):
            s[j] = 1.0
        return
    for j in range(w):
        s[j] = -gamma * s[j]
    exp_inplace(s, w, ibuf)


@jit(fastmath=FASTMATH)
def _matern_rate(nu, length_scale):
    """sqrt(2 nu) / length_scale: the rate of the exponential in matern (nu 0.5, 1.5, 2.5)."""
    root = 1.0 if nu == 0.5 else (math.sqrt(3.0) if nu == 1.5 else math.sqrt(5.0))
    return root / length_scale


@jit(fastmath=FASTMATH)
def _matern(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """matern of Euclidean distances; p = (nu, length_scale)."""
    nu = p[0]
    a = _matern_rate(nu, p[1])
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
        v = -gamma * s[j] if gamma != 0.0 else 0.0
        s[j] = v if v > LOG_ZERO else LOG_ZERO


@jit(fastmath=FASTMATH)
def _log_matern(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """log of matern: log(polynomial) - a r."""
    nu = p[0]
    a = _matern_rate(nu, p[1])
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


# The neural-network kernels (NNGP, NTK): the recursion of neural-tangents through
# the layers of a fully-connected network, per entry, from the dot product and the
# two squared norms (see skkernel/kernels/neural.py for the formulas). Compiled
# without reassociation, and ``q1 q2 - c^2`` (:func:`_gap`) without fused
# multiply-adds: it must stay exactly zero for parallel inputs, which a fused
# multiply-add would turn into the rounding error of ``c^2``. Elsewhere fused
# multiply-adds are allowed (_FM_FUSED): they only round less, and they cut the
# depth-3 ReLU NTK's dense Gram time by about a quarter with the polynomial below.
_ABRELU, _ERF, _GELU = 0, 1, 2
_TAN_PI_12 = 2.0 - math.sqrt(3.0)
_SQRT3 = math.sqrt(3.0)
_PARALLEL = 64 * np.finfo(np.float64).eps
_FM_NEURAL = {"nnan", "ninf", "nsz"}
_FM_FUSED = {"nnan", "ninf", "nsz", "contract"}

# atan(u) / u as a polynomial in z = u^2 of degree 9 on the reduced range z in
# [0, tan(pi/12)^2]: 1 + z P(z), with P of degree 8 interpolating (atan(u) / u - 1) / z
# at the 9 Chebyshev nodes of that range, solved in 60-digit arithmetic and rounded
# to float64. The largest relative error of u (1 + z P(z)) against atan(u) is 1.2e-18
# there, before the float64 rounding of the evaluation (checked on 2,000 points in
# the same arithmetic); atan's Taylor series needs degree 14 in z for as much.
_ATAN_COEFS = (
    1.0,
    -0.3333333333333333,
    0.1999999999999688,
    -0.14285714284553813,
    0.11111110944516939,
    -0.09090897081592211,
    0.07691819638198708,
    -0.06654945053677658,
    0.05716329894442852,
    -0.03957893591546196,
)


@jit(fastmath=_FM_FUSED, error_model="numpy")
def _atan_over_u(z):
    """``atan(u) / u`` for ``z = u^2`` in the reduced range, by Estrin's scheme
    (pairs, then pairs of pairs), so that its multiply-adds overlap instead of
    waiting on each other as in Horner's."""
    c = _ATAN_COEFS
    z2 = z * z
    z4 = z2 * z2
    low = (c[0] + c[1] * z) + (c[2] + c[3] * z) * z2
    high = (c[4] + c[5] * z) + (c[6] + c[7] * z) * z2
    return (low + high * z4) + (c[8] + c[9] * z) * (z4 * z4)


@jit(fastmath=_FM_FUSED, error_model="numpy")
def vector_atan2(y, x):
    """atan2(y, x) in branch-free arithmetic that LLVM vectorises (``math.atan2``
    is a scalar library call), accurate to a few ulp; atan2(0, 0) = 0.

    With a and b the smaller and the larger magnitude, ``atan(a / b)`` is taken from
    ``t = a / b`` or, for t above tan(pi/12), from ``pi/6 + atan((sqrt(3) a - b) /
    (a + sqrt(3) b))``, so that one division serves both; on [0, tan(pi/12)] a
    polynomial (:func:`_atan_over_u`) is exact to 1e-18 relative. Every operand is
    computed before it is selected (a division inside a conditional expression
    would stay a branch, and the loop scalar); ``error_model="numpy"`` drops the
    zero-division check, which is a branch too.
    """
    ay = abs(y)
    ax = abs(x)
    a = min(ay, ax)
    b = max(ay, ax)
    reduced = a > _TAN_PI_12 * b
    numerator = _SQRT3 * a - b if reduced else a
    denominator = a + _SQRT3 * b if reduced else b
    u = numerator / max(denominator, 1e-300)
    r = u * _atan_over_u(u * u)
    r += math.pi / 6.0 if reduced else 0.0
    r = math.pi / 2.0 - r if ay > ax else r
    r = math.pi - r if x < 0.0 else r
    return -r if y < 0.0 else r


# What a Dense layer does to the NTK's partial sum Theta: nothing (NNGP), scale it
# (a fixed layer), add the new covariance ("ntk" parameterization) or the input
# covariance times the width, plus 1 with a bias ("standard").
_THETA_NONE, _THETA_FIXED, _THETA_NTK, _THETA_STANDARD = 0, 1, 2, 3


@jit(fastmath=_FM_FUSED, error_model="numpy")
def _dense(mode, w_var, b_var, n_in, extra, cj, q2, tj):
    """A Dense layer on one entry: (covariance, column variance, Theta)."""
    if mode == _THETA_STANDARD:
        tj = (n_in * cj + w_var * tj) + extra
    elif mode == _THETA_FIXED:
        tj = w_var * tj
    cj = w_var * cj + b_var
    q2 = w_var * q2 + b_var
    if mode == _THETA_NTK:
        tj = cj + w_var * tj
    return cj, q2, tj


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _gap(prod, cj):
    """``prod - cj^2``, never fused (see above)."""
    return prod - cj * cj


@jit(fastmath=_FM_FUSED, error_model="numpy")
def _abrelu(factor, half, q1, cj, q2):
    """ABReLU on one entry: (new covariance, derivative); q1 and q2 the variances."""
    prod = q1 * q2
    d = _gap(prod, cj)
    # Pairs closer to parallel than a dot product's rounding resolves are parallel
    # (as in skkernel.kernels.neural): x = y is exact here too.
    root = math.sqrt(d if d > _PARALLEL * prod else 0.0)
    # Two zero vectors: angle 0 here, pi / 2 in neural-tangents; the new covariance
    # and Theta are 0 either way (see skkernel.kernels.neural).
    dot = half - factor * vector_atan2(root, cj)
    return factor * root + dot * cj, dot


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _erf(a, c, scale, q1, cj, q2):
    """a erf(b u) + c on one entry (scale = b^2): (new covariance, derivative)."""
    cj = scale * cj
    # (1 + 2 q1)(1 + 2 q2) - 4 c^2 with the cancelling part apart: at least 1.
    gap = (scale * q1) * (scale * q2) - cj * cj
    root = math.sqrt(1.0 + 2.0 * (scale * q1 + scale * q2) + 4.0 * (gap if gap > 0.0 else 0.0))
    new = a * a * (2.0 / math.pi * vector_atan2(2.0 * cj, root)) + c * c
    return new, a * a * scale * 2.0 * (2.0 / math.pi) / root


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _erf_variance(a, c, scale, q):
    q = scale * q
    return a * a * (2.0 / math.pi * vector_atan2(q, math.sqrt(q + 0.25))) + c * c


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _gelu(q1, cj, q2):
    """GELU on one entry: (new covariance, derivative)."""
    prod = q1 * q2
    prod_plus_1 = (q1 + 1.0) * (q2 + 1.0)
    gap = prod - cj * cj  # (q1 + 1)(q2 + 1) - c^2 with the cancelling part apart
    delta_squared = 1.0 + q1 + q2 + (gap if gap > 0.0 else 0.0)
    delta = math.sqrt(delta_squared)
    angle = vector_atan2(cj, delta)
    new = (cj * cj + prod * delta_squared) / (prod_plus_1 * delta) + cj * angle
    first = 1.0 / delta_squared + (1.0 - prod) / prod_plus_1 + 1.0
    first *= cj / delta / (2.0 * math.pi)
    return new / (2.0 * math.pi) + 0.25 * cj, first + 0.25 + angle / (2.0 * math.pi)


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _gelu_variance(q):
    root = math.sqrt(1.0 + 2.0 * q)
    new = q / ((q + 1.0) * root) + vector_atan2(q, root) / 2.0
    return (new / math.pi + 0.25) * q


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _variance(act, a, b, c, q):
    """The activation on a variance (the diagonal of the covariance)."""
    if act == _ABRELU:
        return (a * a + b * b) / 2.0 * q
    if act == _ERF:
        return _erf_variance(a, c, b * b, q)
    return _gelu_variance(q)


@jit(fastmath=_FM_FUSED, error_model="numpy")
def _neural_layer(act, a, b, c, mode, w_var, b_var, n_in, extra, last, s, w, t, u, q1):
    """A Dense layer and, unless ``last``, the activation, fused in one pass over
    s[:w] (covariances), u[:w] (the columns' variances) and t[:w] (Theta); q1 is
    the row's variance after the Dense layer. Returns the row's new variance. The
    ``last`` (output) layer leaves the kernel's values in s.
    Each activation has its own loop, so that each loop vectorises."""
    if last:
        # The output layer: the NNGP is its covariance, the NTK its Theta.
        for j in range(w):
            cj, _, tj = _dense(mode, w_var, b_var, n_in, extra, s[j], 0.0, t[j])
            s[j] = cj if mode == _THETA_NONE else tj
        return q1
    if act == _ABRELU:
        factor = (a - b) ** 2 / (2.0 * math.pi)
        half = (a * a + b * b) / 2.0
        for j in range(w):
            cj, q2, tj = _dense(mode, w_var, b_var, n_in, extra, s[j], u[j], t[j])
            s[j], dot = _abrelu(factor, half, q1, cj, q2)
            u[j] = half * q2
            t[j] = tj * dot
    elif act == _ERF:
        for j in range(w):
            cj, q2, tj = _dense(mode, w_var, b_var, n_in, extra, s[j], u[j], t[j])
            s[j], dot = _erf(a, c, b * b, q1, cj, q2)
            u[j] = _erf_variance(a, c, b * b, q2)
            t[j] = tj * dot
    else:
        for j in range(w):
            cj, q2, tj = _dense(mode, w_var, b_var, n_in, extra, s[j], u[j], t[j])
            s[j], dot = _gelu(q1, cj, q2)
            u[j] = _gelu_variance(q2)
            t[j] = tj * dot
    return _variance(act, a, b, c, q1)


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def neural_path_row(act, a, b, c, w_var, b_var, n_in, extra, modes, cov, q1, q2, thetas, i, dot):
    """A hidden layer (Dense, then the activation) on row i of the neural kernels'
    path: in place on ``cov[i]`` (covariances) and ``thetas[f, i]`` (one partial sum
    of Theta per number of fixed layers, ``modes[f]`` what the Dense layer does to
    it); q1 and q2 are the row's and the columns' variances after the Dense layer,
    ``dot`` a buffer of one row."""
    m = cov.shape[1]
    for f in range(modes.shape[0]):
        if modes[f] == _THETA_STANDARD:
            for j in range(m):
                thetas[f, i, j] = (n_in * cov[i, j] + w_var * thetas[f, i, j]) + extra
        elif modes[f] == _THETA_FIXED:
            for j in range(m):
                thetas[f, i, j] = w_var * thetas[f, i, j]
    for j in range(m):
        cov[i, j] = w_var * cov[i, j] + b_var
    for f in range(modes.shape[0]):
        if modes[f] == _THETA_NTK:
            for j in range(m):
                thetas[f, i, j] = cov[i, j] + w_var * thetas[f, i, j]
    if act == _ABRELU:
        factor = (a - b) ** 2 / (2.0 * math.pi)
        half = (a * a + b * b) / 2.0
        for j in range(m):
            cov[i, j], dot[j] = _abrelu(factor, half, q1, cov[i, j], q2[j])
    elif act == _ERF:
        for j in range(m):
            cov[i, j], dot[j] = _erf(a, c, b * b, q1, cov[i, j], q2[j])
    else:
        for j in range(m):
            cov[i, j], dot[j] = _gelu(q1, cov[i, j], q2[j])
    for f in range(modes.shape[0]):
        for j in range(m):
            thetas[f, i, j] *= dot[j]


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def neural_path_readout(mode, w_var, b_var, n_in, extra, cov, theta, out, i):
    """Row i of the output Dense layer's kernel: the NNGP (``theta`` None) or the
    NTK of one partial sum, into ``out``."""
    for j in range(cov.shape[1]):
        nngp, _, ntk = _dense(mode, w_var, b_var, n_in, extra, cov[i, j], 0.0, theta[i, j])
        out[i, j] = ntk if mode != _THETA_NONE else nngp


def neural_readout_mode(p, ntk):
    """What the output Dense layer does to Theta (nothing for the NNGP)."""
    if not ntk:
        return _THETA_NONE
    return _THETA_STANDARD if p.get("standard", 0.0) != 0.0 else _THETA_NTK


def neural_path_modes(p, fixed, layer):
    """What hidden Dense layer ``layer`` (0-based) does to each partial sum of Theta
    (one per number of fixed layers in ``fixed``)."""
    standard = p.get("standard", 0.0) != 0.0
    return np.array(
        [
            _THETA_FIXED if layer < f else (_THETA_STANDARD if standard else _THETA_NTK)
            for f in fixed
        ],
        dtype=np.int64,
    )


def neural_variance(p, q):
    """The activation on a vector of variances, as the path's rows see it."""
    out = np.empty_like(q)
    _variances(int(p["activation"]), p["a"], p["b"], p["c"], q, out)
    return out


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _variances(act, a, b, c, q, out):
    for j in range(q.shape[0]):
        out[j] = _variance(act, a, b, c, q[j])


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _neural(p, s, w, t, ibuf, x_sq, y_sq, c0, ntk):
    """NNGP or NTK values of the dot products in s[:w] (p: the ntk family's layout;
    the nngp family's is its first eight entries)."""
    depth = int(p[0])
    d = p[1]
    act = int(p[2])
    a, b, c = p[3], p[4], p[5]
    w_var, b_var = p[6], p[7]
    extra = 1.0 if ntk and p[8] != 0.0 else 0.0
    standard = ntk and p[9] != 0.0
    width = p[10] if ntk else 0.0
    fixed = int(p[11]) if ntk else 0
    u = ibuf.view(np.float64)
    q1 = x_sq / d
    for j in range(w):
        s[j] = s[j] / d
        u[j] = y_sq[c0 + j] / d
        t[j] = 0.0
    n_in = d
    for layer in range(depth + 1):
        mode = _THETA_NONE
        if ntk:
            mode = _THETA_FIXED if layer < fixed else _THETA_NTK
            mode = _THETA_STANDARD if standard and layer >= fixed else mode
        q1 = w_var * q1 + b_var
        q1 = _neural_layer(
            act, a, b, c, mode, w_var, b_var, n_in, extra, layer == depth, s, w, t, u, q1
        )
        n_in = width


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _nngp(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """nngp; p = (depth, n_features, activation, a, b, c, W_var, b_var)."""
    _neural(p, s, w, t, ibuf, x_sq, y_sq, c0, False)


@jit(fastmath=_FM_NEURAL, error_model="numpy")
def _ntk(p, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """ntk; p = nngp's, then (bias, standard, width, fixed_layers)."""
    _neural(p, s, w, t, ibuf, x_sq, y_sq, c0, True)


#: Families whose path (``KernelOperator.path``) numba runs.
PATH_FAMILIES = frozenset({"nngp", "ntk"})

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
    "nngp": _nngp,
    "ntk": _ntk,
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

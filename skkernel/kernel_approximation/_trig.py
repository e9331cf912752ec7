"""Vectorised sine and cosine for random Fourier features, compiled with numba.

numpy evaluates float64 ``cos``/``sin`` with a scalar libm call per element (only
float32 has SIMD code on most CPUs), which made the trigonometry, not the projection,
the cost of float64 random features. Here both come from one argument reduction,
``x = k pi/2 + r`` with a three-part Cody-Waite constant, and the Cephes minimax
polynomials on ``|r| <= pi/4``, written without branches so LLVM vectorises the loop.
Accurate to a few ulp for ``|x| < 2**20 * pi/2``; beyond that the callers fall back
to numpy.
"""

import numpy as np
from numba import prange

from .._compile import jit

#: Largest |x| the three-part reduction keeps exact (k * _PIO2_1 exact for k < 2**20).
MAX_ARGUMENT = 2.0**19 * np.pi

_TWO_OVER_PI = 0.63661977236758134308
_PIO2_1 = 1.57079632673412561417e00  # first 33 bits of pi/2
_PIO2_2 = 6.07710050630396597660e-11  # next 33 bits
_PIO2_3 = 2.02226624879595063154e-21  # the rest

_S0, _S1, _S2 = 1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6
_S3, _S4, _S5 = -1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1
_C0, _C1, _C2 = -1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7
_C3, _C4, _C5 = 2.48015872888517045348e-5, -1.38888888888730564116e-3, 4.16666666666665929218e-2


@jit(inline="always", fastmath={"contract"})
def _sincos(x):
    k = np.floor(x * _TWO_OVER_PI + 0.5)
    r = ((x - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    z = r * r
    s = r + r * z * (((((_S0 * z + _S1) * z + _S2) * z + _S3) * z + _S4) * z + _S5)
    c = 1.0 - 0.5 * z + z * z * (((((_C0 * z + _C1) * z + _C2) * z + _C3) * z + _C4) * z + _C5)
    # The quadrant k mod 4 picks (sin, cos) among (s, c), (c, -s), (-s, -c), (-c, s).
    # It is kept in floating point, blends replace branches: integer conversion and
    # branches would stop the loop from vectorising.
    q = k - 4.0 * np.floor(k * 0.25)
    swap = q - 2.0 * np.floor(q * 0.5)  # 1 in quadrants 1 and 3
    sin_sign = 1.0 - 2.0 * np.floor(q * 0.5)  # -1 in quadrants 2 and 3
    q1 = q + 1.0
    cos_sign = 1.0 - 2.0 * (np.floor(q1 * 0.5) - 2.0 * np.floor(q1 * 0.25))  # -1 in 1, 2
    sin_x = sin_sign * (s + swap * (c - s))
    cos_x = cos_sign * (c + swap * (s - c))
    return sin_x, cos_x


@jit(parallel=True)
def _cos_sin_into(P, out, scale):
    n, m = P.shape
    for i in prange(n):
        for j in range(m):
            s, c = _sincos(np.float64(P[i, j]))
            out[i, j] = c * scale
            out[i, m + j] = s * scale


def cos_sin_into(P, out, scale):
    """Write ``scale * cos(P)`` into ``out[:, :m]`` and ``scale * sin(P)`` into
    ``out[:, m:2m]`` (``m = P.shape[1]``), in out's dtype.

    float64 output uses the numba routine above; float32 output uses numpy, whose
    float32 trigonometry is already vectorised.
    """
    m = P.shape[1]
    if out.dtype == np.float32:
        # numpy has SIMD float32 trigonometry; only its float64 one is scalar.
        np.cos(P, out=out[:, :m], casting="same_kind")
        np.sin(P, out=out[:, m : 2 * m], casting="same_kind")
        out[:, : 2 * m] *= np.float32(scale)
        return
    if P.size and np.abs(P).max() > MAX_ARGUMENT:
        np.multiply(np.cos(P), scale, out=out[:, :m], casting="same_kind")
        np.multiply(np.sin(P), scale, out=out[:, m : 2 * m], casting="same_kind")
        return
    _cos_sin_into(P, out, float(scale))

"""Structured orthogonal projections ``H D1 H D2 H D3 x`` with a fast Walsh-Hadamard
transform, compiled with numba.

The transform runs on a (width, rows) tile: a chunk of rows transposed so that every
butterfly adds or subtracts two contiguous vectors of ``rows`` values, which LLVM
turns into SIMD instructions. Each row costs O(width log width) per block instead of
the O(width * n_features) of a dense projection. The rows are transposed once for all
blocks, the passes are radix-8 (one read and write of the tile per three stages), and
the sine and cosine of the random features are taken while the tile is in cache.
"""

import numpy as np
from numba import prange

from .._compile import jit
from . import _trig
from ._trig import _sincos

# Rows per tile: a 512-wide float64 tile of 16 rows is 64 kB and stays in the L2
# cache through the transform's passes.
_TILE_ROWS = 16

# Tiles are flat arrays, element (j, r) at j * _TILE_ROWS + r: with the row stride a
# compile-time constant LLVM can tell the rows of a butterfly apart and vectorise it.
# They are indexed with unsigned integers: numba wraps negative signed indices around,
# and that compare-and-select on every access also stops the vectoriser (each of the
# two costs the transform a factor of about 2.5).
_U = np.uint64
_R = _U(_TILE_ROWS)


@jit(inline="always", fastmath=True)
def _radix8(tile, j, h, r, sign, signed):
    """Three butterfly stages on rows j, j + h, ..., j + 7h (column r) of the flat
    tile, in registers, in place. All indices are uint64.

    With ``signed``, the values are multiplied by ``sign`` as they are loaded (the
    random diagonal in front of the transform, at no extra pass over the tile).
    """
    i1, i2, i3, i4 = j + h, j + _U(2) * h, j + _U(3) * h, j + _U(4) * h
    i5, i6, i7 = j + _U(5) * h, j + _U(6) * h, j + _U(7) * h
    x0, x1 = tile[j * _R + r], tile[i1 * _R + r]
    x2, x3 = tile[i2 * _R + r], tile[i3 * _R + r]
    x4, x5 = tile[i4 * _R + r], tile[i5 * _R + r]
    x6, x7 = tile[i6 * _R + r], tile[i7 * _R + r]
    if signed:
        x0, x1, x2, x3 = x0 * sign[j], x1 * sign[i1], x2 * sign[i2], x3 * sign[i3]
        x4, x5, x6, x7 = x4 * sign[i4], x5 * sign[i5], x6 * sign[i6], x7 * sign[i7]
    a0, a1, a2, a3 = x0 + x1, x0 - x1, x2 + x3, x2 - x3
    a4, a5, a6, a7 = x4 + x5, x4 - x5, x6 + x7, x6 - x7
    b0, b1, b2, b3 = a0 + a2, a1 + a3, a0 - a2, a1 - a3
    b4, b5, b6, b7 = a4 + a6, a5 + a7, a4 - a6, a5 - a7
    tile[j * _R + r], tile[i4 * _R + r] = b0 + b4, b0 - b4
    tile[i1 * _R + r], tile[i5 * _R + r] = b1 + b5, b1 - b5
    tile[i2 * _R + r], tile[i6 * _R + r] = b2 + b6, b2 - b6
    tile[i3 * _R + r], tile[i7 * _R + r] = b3 + b7, b3 - b7


@jit(inline="always", fastmath=True)
def _radix4(tile, j, h, r):
    """Two butterfly stages on rows j, j + h, j + 2h, j + 3h (column r), in place."""
    i0, i1, i2, i3 = (
        j * _R + r,
        (j + h) * _R + r,
        (j + _U(2) * h) * _R + r,
        (j + _U(3) * h) * _R + r,
    )
    a, b = tile[i0] + tile[i1], tile[i0] - tile[i1]
    c, d = tile[i2] + tile[i3], tile[i2] - tile[i3]
    tile[i0], tile[i1], tile[i2], tile[i3] = a + c, b + d, a - c, b - d


@jit(fastmath=True)
def _signed_fwht_tile(tile, sign):
    """Unnormalised Walsh-Hadamard transform of ``diag(sign) @ tile`` along the rows
    of the flat (width, _TILE_ROWS) tile, in place.

    Radix-8 passes (three stages per pass over the tile: the tile is read and written
    once per three stages), then a radix-4 or radix-2 pass for the stages left. Every
    butterfly works on whole tile rows of compile-time length, which LLVM turns into
    SIMD code. (fastmath only licenses vector code here: butterflies are single adds
    and subtracts, nothing to reassociate.)
    """
    width = _U(sign.shape[0])
    if width >= _U(8):
        # The first pass with the literal h = 1, which LLVM unrolls into the lanes.
        for j in range(_U(0), width, _U(8)):
            for r in range(_R):
                _radix8(tile, j, _U(1), r, sign, True)
        h = _U(8)
    else:
        for j in range(width):
            for r in range(_R):
                tile[j * _R + r] *= sign[j]
        h = _U(1)
    while _U(8) * h <= width:
        for start in range(_U(0), width, _U(8) * h):
            for j in range(start, start + h):
                for r in range(_R):
                    _radix8(tile, j, h, r, sign, False)
        h *= _U(8)
    if _U(4) * h <= width:
        for start in range(_U(0), width, _U(4) * h):
            for j in range(start, start + h):
                for r in range(_R):
                    _radix4(tile, j, h, r)
        h *= _U(4)
    if _U(2) * h <= width:
        for j in range(h):
            for r in range(_R):
                a, b = tile[j * _R + r], tile[(j + h) * _R + r]
                tile[j * _R + r], tile[(j + h) * _R + r] = a + b, a - b


@jit(inline="always")
def _load_tile(X, start, rows, xt):
    """Rows start:start+rows of X, transposed into the flat (d, _TILE_ROWS) tile xt;
    the columns past the end of X are zero."""
    d = X.shape[1]
    # Columns of X outer, rows inner: contiguous writes, and the _TILE_ROWS rows of X
    # being read stay in cache (three times faster than the reverse order).
    for j in range(d):
        for r in range(_TILE_ROWS):
            xt[j * _TILE_ROWS + r] = X[start + r, j] if r < rows else 0.0


@jit(inline="always")
def _transform_tile(xt, signs, b, tile):
    """H D_1 H D_2 H D_3 of block b applied to the transposed rows xt, into the tile."""
    tile[: xt.shape[0]] = xt
    tile[xt.shape[0] :] = 0.0  # zero-padded to the width
    for s in range(2, -1, -1):
        _signed_fwht_tile(tile, signs[b, s])


@jit(parallel=True, depends=(_trig,))
def _sorf_kernel(X, signs, scale, out, pairs, feature_scale):
    """SORF projections into out (pairs == 0), or with pairs > 0, their cos and
    sin features: cos into out[:, :pairs], sin into out[:, pairs:2 pairs]; projection
    k is multiplied by scale[k]."""
    n, d = X.shape
    n_blocks, _, width = signs.shape
    n_projections = pairs if pairs else out.shape[1]
    n_tiles = (n + _TILE_ROWS - 1) // _TILE_ROWS
    for t in prange(n_tiles):
        start = t * _TILE_ROWS
        rows = min(_TILE_ROWS, n - start)
        # The rows are transposed once for all blocks.
        xt = np.empty(d * _TILE_ROWS, dtype=np.float64)
        _load_tile(X, start, rows, xt)
        tile = np.empty(width * _TILE_ROWS, dtype=np.float64)
        sines = np.empty(width * _TILE_ROWS if pairs else 0, dtype=np.float64)
        for b in range(n_blocks):
            _transform_tile(xt, signs, b, tile)
            first = b * width
            n_cols = min(width, n_projections - first)
            if pairs:
                # Sine and cosine over contiguous tile rows, where they vectorise,
                # while the tile is in cache: no projection buffer round trip.
                for j in range(n_cols):
                    # One scale per tile row: the inner loop over its _TILE_ROWS
                    # contiguous values still vectorises.
                    s = scale[first + j]
                    base = _U(j) * _R
                    for r in range(_R):
                        i = base + r
                        sin_x, cos_x = _sincos(tile[i] * s)
                        tile[i] = cos_x * feature_scale
                        sines[i] = sin_x * feature_scale
            # Written row by row: contiguous stores to out, strided reads from the
            # small tile (which stays in cache) -- three times faster than the
            # reverse.
            for r in range(rows):
                for j in range(n_cols):
                    i = _U(j) * _R + _U(r)
                    if pairs:
                        out[start + r, first + j] = tile[i]
                        out[start + r, pairs + first + j] = sines[i]
                    else:
                        out[start + r, first + j] = tile[i] * scale[first + j]


def _sorf(X, signs, scale, out, pairs, feature_scale):
    n_blocks, _, width = signs.shape
    scale = np.ascontiguousarray(np.broadcast_to(np.asarray(scale, np.float64), n_blocks * width))
    _sorf_kernel(np.ascontiguousarray(X), signs, scale, out, pairs, float(feature_scale))


def next_power_of_two(n):
    """Smallest power of two >= n."""
    return 1 << max(int(n) - 1, 0).bit_length()


def sorf_project(X, signs, scale, out):
    """``scale * [H D_1 H D_2 H D_3 x]`` for every row, blocks stacked, into ``out``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    signs : ndarray of shape (n_blocks, 3, width)
        Random +-1 diagonals D_1, D_2, D_3 of each block; width is a power of two
        >= n_features (rows are zero-padded).
    scale : float or ndarray of shape (n_blocks * width,)
        Multiplies the unnormalised transforms (one factor per projection, or one
        for all).
    out : ndarray of shape (n_samples, n_out)
        Receives the first ``n_out <= n_blocks * width`` projections (any float dtype).

    Returns
    -------
    out : ndarray
    """
    _sorf(X, signs, scale, out, 0, 1.0)
    return out


def sorf_cos_sin_into(X, signs, scale, Z, feature_scale):
    """Random Fourier features of SORF projections, without a projection buffer.

    Writes ``feature_scale * cos(p)`` into ``Z[:, :m]`` and ``feature_scale * sin(p)``
    into ``Z[:, m:2m]``, ``m = Z.shape[1] // 2``, for the projections
    ``p = scale * [H D_1 H D_2 H D_3 x]`` (see :func:`sorf_project`): the sine and cosine
    are taken while the transformed tile is still in cache.
    """
    _sorf(X, signs, scale, Z, Z.shape[1] // 2, feature_scale)
    return Z

"""Structured orthogonal projections ``H D1 H D2 H D3 x`` with a fast Walsh-Hadamard
transform, compiled with numba.

The transform runs on a (width, rows) tile: a chunk of rows transposed so that every
butterfly adds or subtracts two contiguous vectors of ``rows`` values, which LLVM
turns into SIMD instructions. Each row costs O(width log width) per block instead of
the O(width * n_features) of a dense projection.
"""

import numba
import numpy as np

from ._trig import _sincos

# Rows per tile: the (width, _TILE_ROWS) tile of a 4096-wide transform is 512 kB.
_TILE_ROWS = 16


@numba.njit(cache=True, inline="always", fastmath=True)
def _fwht_tile(tile):
    """Unnormalised Walsh-Hadamard transform along axis 0 of a (width, _TILE_ROWS) tile.

    Radix-4 butterflies (two radix-2 stages per pass over the tile, halving the memory
    traffic), then one radix-2 stage when log2(width) is odd. Each butterfly works on
    whole rows of the tile, of a compile-time length, which LLVM unrolls into SIMD
    registers. (fastmath only licenses reassociation-free vector code here: butterflies
    are single adds and subtracts.)
    """
    width = tile.shape[0]
    h = 1
    while 4 * h <= width:
        for start in range(0, width, 4 * h):
            for j in range(start, start + h):
                a, b, c, d = tile[j], tile[j + h], tile[j + 2 * h], tile[j + 3 * h]
                for r in range(_TILE_ROWS):
                    a_plus_b, a_minus_b = a[r] + b[r], a[r] - b[r]
                    c_plus_d, c_minus_d = c[r] + d[r], c[r] - d[r]
                    a[r] = a_plus_b + c_plus_d
                    b[r] = a_minus_b + c_minus_d
                    c[r] = a_plus_b - c_plus_d
                    d[r] = a_minus_b - c_minus_d
        h *= 4
    if h < width:
        for j in range(h):
            a, b = tile[j], tile[j + h]
            for r in range(_TILE_ROWS):
                x, y = a[r], b[r]
                a[r] = x + y
                b[r] = x - y


@numba.njit(cache=True, inline="always")
def _transform_tile(X, signs, b, start, rows, tile):
    """H D_1 H D_2 H D_3 of block b applied to rows start:start+rows, into the tile."""
    d = X.shape[1]
    width = tile.shape[0]
    # Transposed copy of the rows, zero-padded, with D_3 applied on the way in.
    tile[d:] = 0.0
    for r in range(rows):
        for j in range(d):
            tile[j, r] = X[start + r, j] * signs[b, 2, j]
    _fwht_tile(tile)
    for s in (1, 0):  # D_2, H, then D_1, H
        for j in range(width):
            sign = signs[b, s, j]
            for r in range(_TILE_ROWS):
                tile[j, r] *= sign
        _fwht_tile(tile)


@numba.njit(parallel=True, cache=True)
def _sorf(X, signs, scale, out, pairs, feature_scale):
    """SORF projections into out (pairs == 0), or with pairs > 0, their cos and sin
    features: cos into out[:, :pairs], sin into out[:, pairs:2 pairs]."""
    n = X.shape[0]
    n_blocks, _, width = signs.shape
    n_projections = pairs if pairs else out.shape[1]
    n_tiles = (n + _TILE_ROWS - 1) // _TILE_ROWS
    for t in numba.prange(n_tiles):
        start = t * _TILE_ROWS
        rows = min(_TILE_ROWS, n - start)
        # Always a full tile: rows past the end of X stay zero and are not written out.
        tile = np.zeros((width, _TILE_ROWS), dtype=np.float64)
        sines = np.empty((width if pairs else 0, _TILE_ROWS), dtype=np.float64)
        for b in range(n_blocks):
            _transform_tile(X, signs, b, start, rows, tile)
            first = b * width
            n_cols = min(width, n_projections - first)
            if pairs:
                # Sine and cosine over contiguous tile rows, where they vectorise, while
                # the tile is in cache: no projection buffer round trip.
                for j in range(n_cols):
                    values, sine_row = tile[j], sines[j]
                    for r in range(_TILE_ROWS):
                        sin_x, cos_x = _sincos(values[r] * scale)
                        values[r] = cos_x * feature_scale
                        sine_row[r] = sin_x * feature_scale
            # Written row by row: contiguous stores to out, strided reads from the
            # small tile (which stays in cache) -- three times faster than the reverse.
            if pairs:
                for r in range(rows):
                    for j in range(n_cols):
                        out[start + r, first + j] = tile[j, r]
                        out[start + r, pairs + first + j] = sines[j, r]
            else:
                for r in range(rows):
                    for j in range(n_cols):
                        out[start + r, first + j] = tile[j, r] * scale


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
    scale : float
        Multiplies the unnormalised transforms.
    out : ndarray of shape (n_samples, n_out)
        Receives the first ``n_out <= n_blocks * width`` projections (any float dtype).

    Returns
    -------
    out : ndarray
    """
    _sorf(np.ascontiguousarray(X), signs, float(scale), out, 0, 1.0)
    return out


def sorf_cos_sin_into(X, signs, scale, Z, feature_scale):
    """Random Fourier features of SORF projections, without a projection buffer.

    Writes ``feature_scale * cos(p)`` into ``Z[:, :m]`` and ``feature_scale * sin(p)``
    into ``Z[:, m:2m]``, ``m = Z.shape[1] // 2``, for the projections
    ``p = scale * [H D_1 H D_2 H D_3 x]`` (see :func:`sorf_project`): the sine and cosine
    are taken while the transformed tile is still in cache.
    """
    _sorf(np.ascontiguousarray(X), signs, float(scale), Z, Z.shape[1] // 2, float(feature_scale))
    return Z

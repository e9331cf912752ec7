"""Numba backend: fused, tiled, parallel kernel-matrix products on the CPU.

``K(X, Y) @ V`` is computed without any n x m temporary. Rows of X are split into
tiles that run in parallel; each tile walks Y in column blocks small enough to stay
in the L1/L2 cache, computes the pairwise statistic for one row against one column
block, turns it into kernel values and immediately reduces them against V. Sums are
accumulated in float64 for both input dtypes.

Two ways to get the pairwise statistic:

* *direct*: differences or products summed over the features, vectorised over the
  column block; best for few features, and the only accurate way for L1 and
  Euclidean distances (Laplacian, Matern).
* *gram*: for squared distances and dot products with many features, a BLAS GEMM
  computes ``X_tile @ Y_block.T`` for a block of a few MB, and a fused numba pass
  turns it into kernel values and reduces it against V.

``math.exp`` is a scalar library call that stops LLVM from vectorising a loop (numba
vectorises it only with Intel's SVML, which is not a dependency), so the decaying
families use a vectorisable exp: Cody-Waite range reduction and a degree-13
polynomial, accurate to about one ulp on the arguments these kernels produce (<= 0).
"""

import functools
import math

import numpy as np
from threadpoolctl import ThreadpoolController

from ._base import Backend
from ._formulas import cosine_norms

try:  # numba is a required dependency, but keep the reason if it fails to import.
    from numba import njit, prange

    _IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without numba
    _IMPORT_ERROR = exc

FAMILY_CODES = {
    "rbf": 0,
    "laplacian": 1,
    "matern": 2,
    "linear": 3,
    "polynomial": 4,
    "sigmoid": 5,
    "cosine": 6,
}
_STAT_SQEUCLIDEAN, _STAT_L1, _STAT_EUCLIDEAN, _STAT_DOT = 0, 1, 2, 3
_STAT_CODES = {"sqeuclidean": 0, "l1": 1, "euclidean": 2, "dot": 3}

_ROWS_PER_TILE = 16
_COLS_PER_BLOCK = 512
# Above this many features the GEMM beats summing over features in numba: measured
# 1.2x faster at d = 5 and 1.7-2.5x at d = 10-16 for RBF (1,024 x 32,768, one column).
_DIRECT_MAX_FEATURES = 4
# Gram blocks for the GEMM path: at most this many columns per block.
_GRAM_COLS = 1024
# The fused normal product (K^T W K V) takes the GEMM path from this many features:
# measured 1.1-2.3x faster than the direct sums for RBF with d = 3..16, m = 1000.
_NORMAL_DIRECT_MAX_FEATURES = 2
_GRAM_ROWS = 64

# Fast-math flags. Reassociation lets LLVM vectorise the reductions; the exp keeps
# the order of its operations (the range reduction depends on it).
_FM_REDUCE = {"nnan", "ninf", "nsz", "arcp", "contract", "reassoc"}
_FM_EXP = {"nnan", "ninf", "nsz", "contract"}

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_EXP_MIN_ARG = -708.0  # exp below this is < 3e-308; returned as 0


if _IMPORT_ERROR is None:

    @njit(fastmath=_FM_EXP, cache=True)
    def _exp_inplace(s, w, ibuf):
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

    @njit(fastmath=_FM_REDUCE, cache=True)
    def _statistic_direct(stat, X, i, Yt, c0, w, s):
        """s[:w] <- statistic(X[i], Y[c0 + j]) summed over features."""
        for j in range(w):
            s[j] = 0.0
        for f in range(X.shape[1]):
            xf = X[i, f]
            if stat == _STAT_DOT:
                for j in range(w):
                    s[j] += xf * Yt[f, c0 + j]
            elif stat == _STAT_L1:
                for j in range(w):
                    s[j] += abs(xf - Yt[f, c0 + j])
            else:
                for j in range(w):
                    diff = xf - Yt[f, c0 + j]
                    s[j] += diff * diff
        if stat == _STAT_EUCLIDEAN:
            for j in range(w):
                s[j] = math.sqrt(s[j])

    @njit(fastmath=_FM_REDUCE, cache=True)
    def _to_kernel(code, params, s, w, t, ibuf, x_norm, y_norms, c0):
        """s[:w] <- kernel values of the statistic in s[:w]; t is scratch."""
        gamma, degree, coef0, nu, length_scale = (
            params[0],
            params[1],
            params[2],
            params[3],
            params[4],
        )
        if code == 0 or code == 1:  # rbf, laplacian
            for j in range(w):
                s[j] = -gamma * s[j]
            _exp_inplace(s, w, ibuf)
        elif code == 2:  # matern; s holds Euclidean distances
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
            _exp_inplace(s, w, ibuf)
            for j in range(w):
                s[j] *= t[j]
        elif code == 4:  # polynomial
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
        elif code == 5:  # sigmoid
            for j in range(w):
                s[j] = math.tanh(gamma * s[j] + coef0)
        elif code == 6:  # cosine
            for j in range(w):
                s[j] = s[j] / (x_norm * y_norms[c0 + j])

    @njit(fastmath=_FM_REDUCE, cache=True)
    def _reduce(s, w, Vt, c0, acc, row):
        """acc[row, c] += sum_j s[j] * Vt[c, c0 + j] (float64 accumulation)."""
        for c in range(Vt.shape[0]):
            a = 0.0
            for j in range(w):
                a += s[j] * Vt[c, c0 + j]
            acc[row, c] += a

    @njit(fastmath=_FM_REDUCE, cache=True)
    def _emit(s, w, Vt, c0, out, row, dense):
        """Kernel values s[:w] of (row, c0:c0+w): stored into the n x m matrix out
        when ``dense``, else reduced against V into the n x k out."""
        if dense:
            for j in range(w):
                out[row, c0 + j] = s[j]
        else:
            _reduce(s, w, Vt, c0, out, row)

    @njit(parallel=True, fastmath=_FM_REDUCE, cache=True)
    def _matmat_direct(code, stat, params, X, Yt, x_norms, y_norms, Vt, out, dense):
        """out <- K(X, Y) @ V, or K(X, Y) itself when ``dense``; direct statistic."""
        n = X.shape[0]
        m = Yt.shape[1]
        n_tiles = (n + _ROWS_PER_TILE - 1) // _ROWS_PER_TILE
        for tile in prange(n_tiles):
            r0 = tile * _ROWS_PER_TILE
            r1 = min(r0 + _ROWS_PER_TILE, n)
            s = np.empty(_COLS_PER_BLOCK, np.float64)
            t = np.empty(_COLS_PER_BLOCK, np.float64)
            ibuf = np.empty(_COLS_PER_BLOCK, np.int64)
            for c0 in range(0, m, _COLS_PER_BLOCK):
                w = min(_COLS_PER_BLOCK, m - c0)
                for i in range(r0, r1):
                    _statistic_direct(stat, X, i, Yt, c0, w, s)
                    _to_kernel(code, params, s, w, t, ibuf, x_norms[i], y_norms, c0)
                    _emit(s, w, Vt, c0, out, i, dense)

    @njit(parallel=True, fastmath=_FM_REDUCE, cache=True)
    def _matmat_gram(code, stat, params, X, Y, x_sq, y_sq, x_norms, y_norms, Vt, out, dense):
        """Like _matmat_direct, but each tile gets its statistic from a small GEMM.

        Every thread runs its own single-threaded BLAS call (the caller limits BLAS
        to one thread), so GEMM and the fused kernel pass share the cores instead of
        two thread pools fighting over them.
        """
        n = X.shape[0]
        m = Y.shape[0]
        n_tiles = (n + _GRAM_ROWS - 1) // _GRAM_ROWS
        for tile in prange(n_tiles):
            r0 = tile * _GRAM_ROWS
            r1 = min(r0 + _GRAM_ROWS, n)
            s = np.empty(_COLS_PER_BLOCK, np.float64)
            t = np.empty(_COLS_PER_BLOCK, np.float64)
            ibuf = np.empty(_COLS_PER_BLOCK, np.int64)
            for c0 in range(0, m, _GRAM_COLS):
                c1 = min(c0 + _GRAM_COLS, m)
                G = np.dot(X[r0:r1], Y[c0:c1].T)
                for i in range(r1 - r0):
                    for b0 in range(0, c1 - c0, _COLS_PER_BLOCK):
                        w = min(_COLS_PER_BLOCK, c1 - c0 - b0)
                        if stat == _STAT_SQEUCLIDEAN:
                            xs = x_sq[r0 + i]
                            for j in range(w):
                                v = xs + y_sq[c0 + b0 + j] - 2.0 * G[i, b0 + j]
                                s[j] = v if v > 0.0 else 0.0
                        else:
                            for j in range(w):
                                s[j] = G[i, b0 + j]
                        _to_kernel(code, params, s, w, t, ibuf, x_norms[r0 + i], y_norms, c0 + b0)
                        _emit(s, w, Vt, c0 + b0, out, r0 + i, dense)

    @njit(fastmath=_FM_REDUCE, cache=True)
    def _accumulate_normal(krow, Vt, weight, u, acc):
        """acc[c, :] += weight * (krow . Vt[c]) * krow for every column c of V."""
        m = krow.shape[0]
        for c in range(Vt.shape[0]):
            a = 0.0
            for j in range(m):
                a += krow[j] * Vt[c, j]
            u[c] = a * weight
        for c in range(Vt.shape[0]):
            uc = u[c]
            for j in range(m):
                acc[c, j] += uc * krow[j]

    @njit(parallel=True, fastmath=_FM_REDUCE, cache=True)
    def _normal_direct(code, stat, params, X, Yt, x_norms, y_norms, Vt, weights, partial):
        """partial[k] <- K(X_k, Y)^T diag(w_k) K(X_k, Y) V over the k-th chunk of rows.

        Each row's kernel values (one row of K, m values) are computed once into a
        buffer that stays in cache and used twice: for (K V)_i and for the update of
        K^T (K V). One accumulator per chunk, summed by the caller.
        """
        n = X.shape[0]
        m = Yt.shape[1]
        n_chunks = partial.shape[0]
        for chunk in prange(n_chunks):
            r0 = chunk * n // n_chunks
            r1 = (chunk + 1) * n // n_chunks
            krow = np.empty(m, np.float64)
            t = np.empty(_COLS_PER_BLOCK, np.float64)
            ibuf = np.empty(_COLS_PER_BLOCK, np.int64)
            u = np.empty(Vt.shape[0], np.float64)
            for i in range(r0, r1):
                for c0 in range(0, m, _COLS_PER_BLOCK):
                    w = min(_COLS_PER_BLOCK, m - c0)
                    s = krow[c0 : c0 + w]
                    _statistic_direct(stat, X, i, Yt, c0, w, s)
                    _to_kernel(code, params, s, w, t, ibuf, x_norms[i], y_norms, c0)
                _accumulate_normal(krow, Vt, weights[i], u, partial[chunk])

    @njit(parallel=True, fastmath=_FM_REDUCE, cache=True)
    def _normal_gram(code, stat, params, X, Y, x_sq, y_sq, x_norms, y_norms, Vt, weights, partial):
        """Like _normal_direct, with the statistic of 64 rows at a time from a GEMM."""
        n = X.shape[0]
        m = Y.shape[0]
        n_chunks = partial.shape[0]
        for chunk in prange(n_chunks):
            r0 = chunk * n // n_chunks
            r1 = (chunk + 1) * n // n_chunks
            krow = np.empty(m, np.float64)
            t = np.empty(_COLS_PER_BLOCK, np.float64)
            ibuf = np.empty(_COLS_PER_BLOCK, np.int64)
            u = np.empty(Vt.shape[0], np.float64)
            for g0 in range(r0, r1, _GRAM_ROWS):
                g1 = min(g0 + _GRAM_ROWS, r1)
                G = np.dot(X[g0:g1], Y.T)
                for i in range(g1 - g0):
                    row = g0 + i
                    if stat == _STAT_SQEUCLIDEAN:
                        xs = x_sq[row]
                        for j in range(m):
                            v = xs + y_sq[j] - 2.0 * G[i, j]
                            krow[j] = v if v > 0.0 else 0.0
                    else:
                        for j in range(m):
                            krow[j] = G[i, j]
                    for c0 in range(0, m, _COLS_PER_BLOCK):
                        w = min(_COLS_PER_BLOCK, m - c0)
                        s = krow[c0 : c0 + w]
                        _to_kernel(code, params, s, w, t, ibuf, x_norms[row], y_norms, c0)
                    _accumulate_normal(krow, Vt, weights[row], u, partial[chunk])


@functools.cache
def _blas_controller():
    # Finding the loaded BLAS libraries takes ~4 ms (it reads /proc/self/maps); done
    # once, instead of on every product (Compress++ runs hundreds of small ones).
    return ThreadpoolController()


def _single_threaded_blas():
    """Context in which BLAS runs on one thread: the GEMM path calls it from every
    numba thread, and two thread pools would fight over the cores."""
    return _blas_controller().limit(limits=1, user_api="blas")


def _gram_inputs(X, Y):
    """What the GEMM-path kernels read of two prepared inputs."""
    return X.X, Y.X, X.sq_norms, Y.sq_norms, X.norms, Y.norms


class _Prepared:
    """X with what the numba kernels read: its transpose and row norms."""

    def __init__(self, X):
        self.X = np.ascontiguousarray(X)
        self.Xt = np.ascontiguousarray(X.T)
        self.sq_norms = np.einsum("ij,ij->i", X, X, dtype=np.float64)
        self.norms = cosine_norms(X, sq_norms=self.sq_norms)

    @property
    def shape(self):
        return self.X.shape

    @property
    def dtype(self):
        return self.X.dtype


class NumbaBackend(Backend):
    """Fused, tiled, parallel products compiled with numba (see the module docstring).

    Accelerated families: RBF, Laplacian, Matern (nu = 0.5, 1.5, 2.5, inf),
    polynomial, linear, sigmoid and cosine, in float32 and float64. Threads follow
    ``numba.set_num_threads``.
    """

    name = "numba"
    install_hint = "pip install numba"

    def available(self):
        if _IMPORT_ERROR is not None:
            return f"numba cannot be imported ({_IMPORT_ERROR}); {self.install_hint}"
        return None

    def prepare(self, X, spec):
        return _Prepared(X)

    @staticmethod
    def _codes(spec, n_features, direct_max_features=_DIRECT_MAX_FEATURES):
        """The family and statistic codes, parameters, and whether to use a GEMM."""
        code = FAMILY_CODES[spec.family]
        stat = _STAT_CODES[spec.statistic]
        params = np.array(
            [spec.gamma, spec.degree, spec.coef0, spec.nu, spec.length_scale], dtype=np.float64
        )
        use_gram = stat in (_STAT_SQEUCLIDEAN, _STAT_DOT) and n_features > direct_max_features
        return code, stat, params, use_gram

    def matmat(self, kernel, spec, X, Y, V):
        dtype = np.result_type(X.dtype, V.dtype)
        Vt = np.ascontiguousarray(V.T, dtype=X.dtype)
        out = np.zeros((X.shape[0], V.shape[1]), dtype=np.float64)
        self._run(spec, X, Y, Vt, out, dense=False)
        return out.astype(dtype, copy=False)

    def dense(self, kernel, spec, X, Y, out=None):
        """The n x m matrix K(X, Y) in X's dtype, for the algorithms that need it
        whole (exact solves, small Gram blocks): the fused pass of ``matmat`` with a
        store in place of the reduction: no pairwise temporaries, and the
        vectorised exp. ``out``, if given, is a C-contiguous n x m array to fill."""
        if out is None:
            out = np.empty((X.shape[0], Y.shape[0]), dtype=X.dtype)
        self._run(spec, X, Y, np.empty((0, Y.shape[0]), X.dtype), out, dense=True)
        return out

    def _run(self, spec, X, Y, Vt, out, dense):
        code, stat, params, use_gram = self._codes(spec, X.shape[1])
        if not use_gram:
            _matmat_direct(code, stat, params, X.X, Y.Xt, X.norms, Y.norms, Vt, out, dense)
            return
        with _single_threaded_blas():
            _matmat_gram(code, stat, params, *_gram_inputs(X, Y), Vt, out, dense)

    def normal_matmat(self, kernel, spec, X, Y, V, weights=None):
        from numba import get_num_threads

        dtype = np.result_type(X.dtype, V.dtype)
        Vt = np.ascontiguousarray(V.T, dtype=np.float64)
        weights = np.ones(X.shape[0]) if weights is None else np.asarray(weights, np.float64)
        # A few chunks per thread balance the load; each holds one m x k accumulator.
        n_chunks = max(1, min(X.shape[0], 4 * get_num_threads()))
        partial = np.zeros((n_chunks, V.shape[1], Y.shape[0]), dtype=np.float64)
        code, stat, params, use_gram = self._codes(spec, X.shape[1], _NORMAL_DIRECT_MAX_FEATURES)
        if not use_gram:
            _normal_direct(code, stat, params, X.X, Y.Xt, X.norms, Y.norms, Vt, weights, partial)
        else:
            with _single_threaded_blas():
                _normal_gram(code, stat, params, *_gram_inputs(X, Y), Vt, weights, partial)
        return partial.sum(axis=0).T.astype(dtype)

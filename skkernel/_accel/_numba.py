"""Numba backend: fused, tiled, parallel kernel-matrix products on the CPU.

``K(X, Y) @ V`` is computed without any n x m temporary. Rows of X are split into
tiles that run in parallel; each tile walks Y in column blocks small enough to stay
in the L1/L2 cache, computes the pairwise statistic for one row against one column
block, turns it into kernel values (the family's formula in
:mod:`._numba_formulas`) and immediately reduces them against V. Sums are
accumulated in float64 for both input dtypes.

Two ways to get the pairwise statistic:

* *direct*: differences or products summed over the features, vectorised over the
  column block; best for few features, and the only accurate way for L1 and
  Euclidean distances (Laplacian, Matern).
* *gram*: for squared distances and dot products with many features, a BLAS GEMM
  computes ``X_tile @ Y_block.T`` for a block of a few MB, and a fused numba pass
  turns it into kernel values and reduces it against V. The GEMM runs in float64
  for float32 inputs too: ``|x|^2 + |y|^2 - 2 x.y`` in float32 loses every digit
  for data far from the origin.

The same passes store their kernel values instead of reducing them for dense blocks
(``dense``), or turn the statistic into ``log k`` and keep a running maximum and
a rescaled sum per row (``logsumexp``: ``log sum_j exp(log k_ij + log w_j)``
without underflow, in one pass); ``normal_matmat`` keeps one row of K in cache
while it is used for ``(K V)_i`` and for ``K^T (K V)``.

The Laplacian kernel in one to three dimensions has an exact algorithm that does
not visit the n x m pairs (:mod:`._ecdf`): ``fast_matmat`` runs it where its
measured cost model says it beats the fused loops.
"""

import math

import numpy as np
from numba import prange

from .._compile import jit
from .._threads import numba_threads_for, single_threaded_blas
from . import _ecdf, _numba_formulas
from ._base import Backend
from ._numba_formulas import (
    FASTMATH,
    FORMULAS,
    GEMM_BOUND,
    LOG_FORMULAS,
    LOG_ZERO,
    PATH_FAMILIES,
    exp_inplace,
)

_STAT_SQEUCLIDEAN, _STAT_L1, _STAT_EUCLIDEAN, _STAT_DOT = 0, 1, 2, 3
_STAT_CODES = {"sqeuclidean": 0, "l1": 1, "euclidean": 2, "dot": 3}

#: Family name -> position in the dispatch tuple.
_FAMILY_CODES = {name: code for code, name in enumerate(FORMULAS)}
_DISPATCH = tuple(FORMULAS.values())
_LOG_CODES = {name: code for code, name in enumerate(LOG_FORMULAS)}
_LOG_DISPATCH = tuple(LOG_FORMULAS.values())

#: What the fused loops do with a block of kernel values.
_PRODUCT, _DENSE, _LOGSUMEXP = 0, 1, 2
# K(X, X): a dense pass over each row tile's columns from its first row on, the
# entries below the diagonal then copied from their mirror images.
_SYMMETRIC = 3

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
# Row chunks of the fused normal product (at most; each has its own accumulator).
_NORMAL_CHUNKS = 64
# Tiles of the mirror copy of a symmetric dense pass.
_MIRROR_TILE = 64

_DEPENDS = (_numba_formulas,)


_FORMULA_ARGUMENTS = "params, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0"


def _code_dispatch(name, formulas, doc):
    """A numba function ``name(code, <a formula's arguments>)`` that runs the
    code-th of ``formulas``: an if-chain written out from the table, the way
    :func:`collections.namedtuple` writes its class.

    It is inlined into its callers (numba IR inlining), so that each fused loop
    calls the formula directly. Written as a loop over the tuple of formulas
    (``literal_unroll``), the dispatch could not be inlined into a ``prange``
    loop without making it serial, and as a call it cost 8 % of an RBF product on
    3 features against the engine's earlier hand-written if-chain.
    """
    lines = [f"def {name}(code, {_FORMULA_ARGUMENTS}):", f"    {doc!r}"]
    for position in range(len(formulas)):
        keyword = "if" if position == 0 else "elif"
        lines.append(f"    {keyword} code == {position}:")
        lines.append(f"        formula_{position}({_FORMULA_ARGUMENTS})")
    namespace = {f"formula_{position}": formula for position, formula in enumerate(formulas)}
    exec("\n".join(lines), namespace)  # our own table's names: nothing from outside
    return jit(fastmath=FASTMATH, inline="always")(namespace[name])


_to_kernel = _code_dispatch(
    "_to_kernel",
    _DISPATCH,
    "s[:w] <- kernel values of the statistic in s[:w], by the family's formula.",
)
_to_log_kernel = _code_dispatch(
    "_to_log_kernel",
    _LOG_DISPATCH,
    "s[:w] <- log kernel values of the statistic in s[:w] (LOG_ZERO for zeros).",
)


@jit(fastmath=FASTMATH, depends=_DEPENDS, inline="always")
def _transform(codes, mode, params, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0):
    """The statistic in s[:w] becomes kernel values, or their logs in _LOGSUMEXP mode;
    ``codes`` holds the family's position in FORMULAS and in LOG_FORMULAS."""
    if mode == _LOGSUMEXP:
        _to_log_kernel(codes[1], params, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0)
    else:
        _to_kernel(codes[0], params, s, w, t, ibuf, x_sq, y_sq, x_norm, y_norms, c0)


@jit(fastmath=FASTMATH)
def _statistic_direct(stat, X, i, Yt, c0, w, s):
    """s[:w] <- statistic(X[i], Y[c0 + j]) summed over features, in float64.

    float32 inputs are widened before they are combined: their products and
    differences are then exact in float64. A float32 difference would lose the
    digits that kernels with a boundary (1 - r / h near r = h) keep, and the angle
    of the neural kernels turns a rounding error e of a dot product into sqrt(e)."""
    for j in range(w):
        s[j] = 0.0
    for f in range(X.shape[1]):
        xf = np.float64(X[i, f])
        if stat == _STAT_DOT:
            for j in range(w):
                s[j] += xf * np.float64(Yt[f, c0 + j])
        elif stat == _STAT_L1:
            for j in range(w):
                s[j] += abs(xf - np.float64(Yt[f, c0 + j]))
        else:
            for j in range(w):
                diff = xf - np.float64(Yt[f, c0 + j])
                s[j] += diff * diff
    if stat == _STAT_EUCLIDEAN:
        for j in range(w):
            s[j] = np.sqrt(s[j])


@jit(fastmath=FASTMATH)
def _statistic_from_gram(stat, G, i, b0, w, x_sq, y_sq, c0, s):
    """s[:w] <- the statistic from row i of a GEMM block (columns b0 on)."""
    if stat == _STAT_SQEUCLIDEAN:
        for j in range(w):
            v = x_sq + y_sq[c0 + j] - 2.0 * G[i, b0 + j]
            s[j] = v if v > 0.0 else 0.0
    else:
        for j in range(w):
            s[j] = G[i, b0 + j]


@jit(fastmath=FASTMATH)
def _exact_self_distance(stat, s, j):
    """s[j] <- 0 where it is the squared distance of a row to itself: from the GEMM
    it is |x|^2 + |x|^2 - 2 x.x, off by rounding, and a steep kernel (RBF at gamma
    1e16) turned that into k(x, x) = 1e-4 instead of 1."""
    if stat == _STAT_SQEUCLIDEAN:
        s[j] = 0.0


@jit(fastmath=FASTMATH)
def _reduce(s, w, Vt, c0, acc, row):
    """acc[row, c] += sum_j s[j] * Vt[c, c0 + j] (float64 accumulation)."""
    for c in range(Vt.shape[0]):
        a = 0.0
        for j in range(w):
            a += s[j] * Vt[c, c0 + j]
        acc[row, c] += a


@jit(fastmath=FASTMATH, depends=_DEPENDS)
def _logsumexp_update(s, w, LWt, c0, out, row, t, ibuf):
    """Fold log kernel values s[:w] of (row, c0:c0+w) plus the log weights into the
    running maximum out[row, c] and rescaled sum out[row, k + c] of each column c."""
    k = LWt.shape[0]
    for c in range(k):
        block_max = LOG_ZERO
        for j in range(w):
            a = s[j] + LWt[c, c0 + j]
            t[j] = a
            block_max = max(block_max, a)
        running_max = out[row, c]
        if block_max > running_max:
            # A larger maximum: the sum so far is rescaled to it (exp of a
            # difference <= 0: nothing overflows, terms far below it vanish).
            out[row, k + c] *= math.exp(running_max - block_max)
            out[row, c] = block_max
            running_max = block_max
        for j in range(w):
            t[j] -= running_max
        exp_inplace(t, w, ibuf)
        total = 0.0
        for j in range(w):
            total += t[j]
        out[row, k + c] += total


@jit(fastmath=FASTMATH, depends=_DEPENDS)
def _emit(s, w, Vt, c0, out, row, mode, t, ibuf):
    """Kernel values s[:w] of (row, c0:c0+w): reduced against V into the n x k out
    (_PRODUCT), stored into the n x m matrix out (_DENSE), or, as logs, folded into
    the running log-sum-exp of the n x 2k out (_LOGSUMEXP; Vt: log weights)."""
    if mode == _DENSE:
        for j in range(w):
            out[row, c0 + j] = s[j]
    elif mode == _PRODUCT:
        _reduce(s, w, Vt, c0, out, row)
    else:
        _logsumexp_update(s, w, Vt, c0, out, row, t, ibuf)


@jit
def _balanced(k, n_tiles, mode):
    """The k-th row tile to run. A symmetric pass does less for each later tile;
    taking them first, last, second, second to last, ... gives each thread's equal
    share of k (numba splits a prange evenly) an equal share of the work."""
    # int64 throughout: prange's index may be unsigned, and mixing it with signed
    # integers would make the tile a float.
    k = np.int64(k)
    if mode != _SYMMETRIC:
        return k
    return k // 2 if k % 2 == 0 else np.int64(n_tiles) - 1 - k // 2


@jit
def _tile(k, n_tiles, rows_per_tile, n, mode):
    """Rows [r0, r1) of the k-th row tile to run, the first column it visits, and what
    it does with its kernel values (a symmetric pass stores them from its diagonal on)."""
    r0 = _balanced(k, n_tiles, mode) * rows_per_tile
    r1 = min(r0 + rows_per_tile, n)
    if mode == _SYMMETRIC:
        return r0, r1, r0, _DENSE
    return r0, r1, np.int64(0), mode


@jit
def _block_buffers():
    """A tile's scratch for one column block: statistic / kernel values, the formulas'
    float work space and the exponential's integer work space."""
    return (
        np.empty(_COLS_PER_BLOCK, np.float64),
        np.empty(_COLS_PER_BLOCK, np.float64),
        np.empty(_COLS_PER_BLOCK, np.int64),
    )


@jit(parallel=True)
def _mirror_lower(out):
    """out[i, j] = out[j, i] for every j < i: what a symmetric pass left out, and
    the lower halves of its row tiles' diagonal squares (computed there too, but
    from other dot products, so equal only up to rounding). Each thread copies a band of 64
    rows, eight source rows at a time: a Gram matrix's rows are often a power of two
    apart in memory, so more source rows at once would land in the same cache set
    (64 at a time ran 2x slower at n = 1,024-4,096)."""
    n = out.shape[0]
    n_tiles = (n + _MIRROR_TILE - 1) // _MIRROR_TILE
    for k in prange(n_tiles):
        i0 = k * _MIRROR_TILE
        i1 = min(i0 + _MIRROR_TILE, n)
        for j0 in range(0, i0, 8):
            for i in range(i0, i1):
                for j in range(j0, j0 + 8):
                    out[i, j] = out[j, i]
        for i in range(i0, i1):  # the band's own diagonal tile
            for j in range(i0, i):
                out[i, j] = out[j, i]


@jit(parallel=True, fastmath=FASTMATH, depends=_DEPENDS)
def _matmat_direct(codes, stat, params, X, Yt, x_sq, y_sq, x_norms, y_norms, Vt, out, mode):
    """out <- K(X, Y) @ V, K(X, Y) itself, or its log-sum-exp (``mode``); direct statistic."""
    n = X.shape[0]
    m = Yt.shape[1]
    n_tiles = (n + _ROWS_PER_TILE - 1) // _ROWS_PER_TILE
    for k in prange(n_tiles):
        r0, r1, first, kind = _tile(k, n_tiles, _ROWS_PER_TILE, n, mode)
        s, t, ibuf = _block_buffers()
        for c0 in range(first, m, _COLS_PER_BLOCK):
            w = min(_COLS_PER_BLOCK, m - c0)
            for i in range(r0, r1):
                _statistic_direct(stat, X, i, Yt, c0, w, s)
                _transform(
                    codes, kind, params, s, w, t, ibuf, x_sq[i], y_sq, x_norms[i], y_norms, c0
                )
                _emit(s, w, Vt, c0, out, i, kind, t, ibuf)


@jit(parallel=True, fastmath=FASTMATH, depends=_DEPENDS)
def _matmat_gram(codes, stat, params, X, Y, x_sq, y_sq, x_norms, y_norms, Vt, out, mode, same):
    """Like _matmat_direct, but each tile gets its statistic from a small GEMM.

    Every thread runs its own single-threaded BLAS call (the caller limits BLAS
    to one thread), so GEMM and the fused kernel pass share the cores instead of
    two thread pools fighting over them. ``same``: Y is X, whose self-distances
    are set to 0 (see _exact_self_distance).
    """
    n = X.shape[0]
    m = Y.shape[0]
    n_tiles = (n + _GRAM_ROWS - 1) // _GRAM_ROWS
    for k in prange(n_tiles):
        r0, r1, first, kind = _tile(k, n_tiles, _GRAM_ROWS, n, mode)
        s, t, ibuf = _block_buffers()
        for c0 in range(first, m, _GRAM_COLS):
            c1 = min(c0 + _GRAM_COLS, m)
            G = np.dot(X[r0:r1], Y[c0:c1].T)
            for i in range(r1 - r0):
                row = r0 + i
                for b0 in range(0, c1 - c0, _COLS_PER_BLOCK):
                    w = min(_COLS_PER_BLOCK, c1 - c0 - b0)
                    col = c0 + b0
                    _statistic_from_gram(stat, G, i, b0, w, x_sq[row], y_sq, col, s)
                    if same and col <= row < col + w:
                        _exact_self_distance(stat, s, row - col)
                    _transform(
                        codes,
                        kind,
                        params,
                        s,
                        w,
                        t,
                        ibuf,
                        x_sq[row],
                        y_sq,
                        x_norms[row],
                        y_norms,
                        col,
                    )
                    _emit(s, w, Vt, col, out, row, kind, t, ibuf)


@jit(fastmath=FASTMATH)
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


@jit
def _normal_chunk(chunk, n_chunks, n, m, k):
    """Rows [r0, r1) of a normal product's chunk and its scratch: one row of K (m
    values), the formulas' work spaces and the k products of that row with V."""
    _, t, ibuf = _block_buffers()
    return (
        chunk * n // n_chunks,
        (chunk + 1) * n // n_chunks,
        np.empty(m, np.float64),
        t,
        ibuf,
        np.empty(k, np.float64),
    )


@jit(parallel=True, fastmath=FASTMATH, depends=_DEPENDS)
def _normal_direct(code, stat, params, X, Yt, x_sq, y_sq, x_norms, y_norms, Vt, weights, partial):
    """partial[k] <- K(X_k, Y)^T diag(w_k) K(X_k, Y) V over the k-th chunk of rows.

    Each row's kernel values (one row of K, m values) are computed once into a
    buffer that stays in cache and used twice: for (K V)_i and for the update of
    K^T (K V). One accumulator per chunk, summed by the caller.
    """
    n = X.shape[0]
    m = Yt.shape[1]
    n_chunks = partial.shape[0]
    for chunk in prange(n_chunks):
        r0, r1, krow, t, ibuf, u = _normal_chunk(chunk, n_chunks, n, m, Vt.shape[0])
        for i in range(r0, r1):
            for c0 in range(0, m, _COLS_PER_BLOCK):
                w = min(_COLS_PER_BLOCK, m - c0)
                s = krow[c0 : c0 + w]
                _statistic_direct(stat, X, i, Yt, c0, w, s)
                _to_kernel(code, params, s, w, t, ibuf, x_sq[i], y_sq, x_norms[i], y_norms, c0)
            _accumulate_normal(krow, Vt, weights[i], u, partial[chunk])


@jit(parallel=True, fastmath=FASTMATH, depends=_DEPENDS)
def _normal_gram(
    code, stat, params, X, Y, x_sq, y_sq, x_norms, y_norms, Vt, weights, partial, same
):
    """Like _normal_direct, with the statistic of 64 rows at a time from a GEMM
    (``same``: Y is X, as in _matmat_gram)."""
    n = X.shape[0]
    m = Y.shape[0]
    n_chunks = partial.shape[0]
    for chunk in prange(n_chunks):
        r0, r1, krow, t, ibuf, u = _normal_chunk(chunk, n_chunks, n, m, Vt.shape[0])
        for g0 in range(r0, r1, _GRAM_ROWS):
            g1 = min(g0 + _GRAM_ROWS, r1)
            G = np.dot(X[g0:g1], Y.T)
            for i in range(g1 - g0):
                row = g0 + i
                # The statistic of the whole row into krow, then its kernel values by
                # blocks: written block by block into slices of krow, the statistic
                # loop did not vectorise (1.5x slower normal products at d = 10).
                _statistic_from_gram(stat, G, i, 0, m, x_sq[row], y_sq, 0, krow)
                if same:
                    _exact_self_distance(stat, krow, row)
                for c0 in range(0, m, _COLS_PER_BLOCK):
                    w = min(_COLS_PER_BLOCK, m - c0)
                    s = krow[c0 : c0 + w]
                    _to_kernel(
                        code, params, s, w, t, ibuf, x_sq[row], y_sq, x_norms[row], y_norms, c0
                    )
                _accumulate_normal(krow, Vt, weights[row], u, partial[chunk])


@jit(parallel=True, fastmath=FASTMATH, depends=_DEPENDS)
def _neural_path_layer(act, a, b, c, w_var, b_var, n_in, extra, modes, cov, q1, q2, thetas):
    """A hidden layer of the neural kernels' path on the whole block, in place on the
    covariances ``cov`` and the partial sums ``thetas``, rows in parallel."""
    n, m = cov.shape
    for i in prange(n):
        dot = np.empty(m, np.float64)
        _numba_formulas.neural_path_row(
            act, a, b, c, w_var, b_var, n_in, extra, modes, cov, q1[i], q2, thetas, i, dot
        )


@jit(parallel=True, fastmath=FASTMATH, depends=_DEPENDS)
def _neural_path_readout(mode, w_var, b_var, n_in, extra, cov, theta, out):
    for i in prange(cov.shape[0]):
        _numba_formulas.neural_path_readout(mode, w_var, b_var, n_in, extra, cov, theta, out, i)


def _neural_path(spec, X, Y, values):
    """The NNGP/NTK path: the covariance block and one partial sum of Theta per
    number of fixed layers, carried through the layers of the deepest network, with
    the output layer's kernels read off at every depth asked for."""
    p = spec.params
    ntk = spec.family.name == "ntk"
    depths = values["depth"]
    fixed = values.get("fixed_layers", []) if ntk else []
    d = p["n_features"]
    with _single_threaded_blas():
        cov = np.dot(X.X64, Y.X64.T)
    cov /= d
    q1, q2 = X.norms.sq / d, Y.norms.sq / d
    thetas = np.zeros((len(fixed), *cov.shape))
    act = int(p["activation"])
    w_var, b_var = p["W_var"], p["b_var"]
    extra = 1.0 if p.get("bias", 0.0) else 0.0
    readout = _numba_formulas.neural_readout_mode(p, ntk)
    n_in = d
    for depth in range(depths[-1] + 1):
        if depth in depths:
            if not ntk:
                out = np.empty_like(cov)
                _neural_path_readout(readout, w_var, b_var, n_in, extra, cov, cov, out)
                yield {"depth": depth}, out
            for k, f in enumerate(fixed):
                if f <= depth:
                    out = np.empty_like(cov)
                    _neural_path_readout(readout, w_var, b_var, n_in, extra, cov, thetas[k], out)
                    yield {"depth": depth, "fixed_layers": f}, out
        if depth == depths[-1]:
            return
        modes = _numba_formulas.neural_path_modes(p, fixed, depth)
        q1, q2 = w_var * q1 + b_var, w_var * q2 + b_var
        _neural_path_layer(
            act, p["a"], p["b"], p["c"], w_var, b_var, n_in, extra, modes, cov, q1, q2, thetas
        )
        q1, q2 = _numba_formulas.neural_variance(p, q1), _numba_formulas.neural_variance(p, q2)
        n_in = p.get("width", 0.0)


_single_threaded_blas = single_threaded_blas


class _Prepared:
    """X with what the numba kernels read: its transpose, a float64 copy for the
    GEMM path, and its row norms."""

    def __init__(self, X, spec):
        self.X = np.ascontiguousarray(X)
        self.Xt = np.ascontiguousarray(X.T)
        self.norms = spec.row_norms(self.X)
        self._X64 = None

    @property
    def X64(self):
        """X in float64, for the GEMM path (X itself when it is float64)."""
        if self._X64 is None:
            self._X64 = self.X.astype(np.float64)
        return self._X64

    @property
    def shape(self):
        return self.X.shape

    @property
    def dtype(self):
        return self.X.dtype


class NumbaBackend(Backend):
    """Fused, tiled, parallel products compiled with numba (see the module docstring).

    Runs every kernel family with a formula in :mod:`._numba_formulas`, in float32
    and float64. Threads follow ``numba.set_num_threads``.
    """

    name = "numba"
    native_dense = True
    install_hint = "pip install numba"

    def available(self):
        return None  # numba is a dependency, imported above

    def supports(self, spec):
        return spec.closed_form and spec.family.name in FORMULAS

    def families(self):
        return tuple(FORMULAS)

    def dense_is_fast(self, spec, dtype):
        """Whether this backend builds dense blocks of the kernel faster than the
        numpy reference: in float64, unless the family's cost is its GEMM. float32
        blocks stay with the reference, which computes them through float64
        distances as scikit-learn does, so they match scikit-learn's bit for bit."""
        return dtype == np.float64 and self.supports(spec) and spec.family.name not in GEMM_BOUND

    def prepare(self, X, spec):
        return _Prepared(X, spec)

    def dense_path(self, spec, X, Y, values):
        """The neural kernels' path in numba passes over the block (one per layer,
        rows in parallel, each vectorised); other families as the base class."""
        if spec.family.name not in PATH_FAMILIES:
            yield from super().dense_path(spec, X, Y, values)
            return
        yield from _neural_path(spec, X, Y, values)

    def host(self, X):
        return X.X

    def supports_log(self, spec):
        return spec.has_log_form and spec.family.name in LOG_FORMULAS

    @staticmethod
    def _codes(spec, n_features, direct_max_features=_DIRECT_MAX_FEATURES):
        """The family's positions in FORMULAS and LOG_FORMULAS (-1: none), the
        statistic code, the parameters, and whether to use a GEMM."""
        stat = _STAT_CODES[spec.statistic]
        use_gram = stat in (_STAT_SQEUCLIDEAN, _STAT_DOT) and n_features > direct_max_features
        name = spec.family.name
        codes = np.array([_FAMILY_CODES[name], _LOG_CODES.get(name, -1)], dtype=np.int64)
        return codes, stat, spec.packed(), use_gram

    def matmat(self, spec, X, Y, V):
        dtype = np.result_type(X.dtype, V.dtype)
        Vt = np.ascontiguousarray(V.T, dtype=dtype)
        out = np.zeros((X.shape[0], V.shape[1]), dtype=np.float64)
        self._run(spec, X, Y, Vt, out, _PRODUCT)
        return out.astype(dtype, copy=False)

    def dense(self, spec, X, Y, out=None):
        """The fused pass of ``matmat`` with a store in place of the reduction: no
        pairwise temporaries, and the vectorised exp. For K(X, X) (where that pays)
        each row tile is computed from the diagonal on and the rest copied: about
        half the kernel evaluations, and an exactly symmetric result."""
        if out is None:
            out = np.empty((X.shape[0], Y.shape[0]), dtype=X.dtype)
        mode = _SYMMETRIC if X is Y and self._symmetry_pays(spec, X.shape[1]) else _DENSE
        self._run(spec, X, Y, np.empty((0, Y.shape[0]), X.dtype), out, mode)
        if mode == _SYMMETRIC:
            _mirror_lower(out)
        return out

    @staticmethod
    def _symmetry_pays(spec, n_features):
        """Whether computing half of K(X, X) and copying the rest beats computing it
        all: with a GEMM (half the GEMM) or an expensive formula (the neural
        kernels), yes; a cheap formula on a few features costs about what the copy
        does (measured: RBF and Laplacian on 2-3 features, n = 4,000)."""
        return n_features > _DIRECT_MAX_FEATURES or spec.family.name in PATH_FAMILIES

    def fast_matmat(self, spec, X, Y, V):
        """The dominance sums of :mod:`._ecdf` for the Laplacian (L1 exponential)
        kernel in one to three dimensions, where they win; None elsewhere."""
        from numba import get_num_threads

        if not (self.supports(spec) and spec.family.name == "laplacian"):
            return None
        (n, d), m = X.shape, Y.shape[0]
        if not _ecdf.sweep_wins(n, m, d, get_num_threads()):
            return None
        out = _ecdf.laplacian_matmat(X.X, Y.X, V, spec["gamma"])
        return out.astype(np.result_type(X.dtype, V.dtype), copy=False)

    def logsumexp(self, spec, X, Y, log_W):
        """One fused pass: per row, a running maximum of ``log k + log w`` and the
        sum of ``exp`` of the differences to it, rescaled when the maximum grows."""
        k = log_W.shape[1]
        # -inf (zero weights) becomes the loops' finite stand-in for it.
        LWt = np.ascontiguousarray(np.maximum(log_W.T, LOG_ZERO), dtype=np.float64)
        state = np.empty((X.shape[0], 2 * k), dtype=np.float64)
        state[:, :k] = LOG_ZERO
        state[:, k:] = 0.0
        self._run(spec, X, Y, LWt, state, _LOGSUMEXP)
        maxima, sums = state[:, :k], state[:, k:]
        with np.errstate(divide="ignore"):
            out = maxima + np.log(sums)
        out[maxima <= 0.5 * LOG_ZERO] = -np.inf
        return out

    def _run(self, spec, X, Y, Vt, out, mode):
        codes, stat, params, use_gram = self._codes(spec, X.shape[1])
        norms = (X.norms.sq, Y.norms.sq, X.norms.norms, Y.norms.norms)
        with numba_threads_for(X.shape[0] * Y.shape[0]):
            if not use_gram:
                _matmat_direct(codes, stat, params, X.X, Y.Xt, *norms, Vt, out, mode)
                return
            with _single_threaded_blas():
                _matmat_gram(codes, stat, params, X.X64, Y.X64, *norms, Vt, out, mode, X is Y)

    def normal_matmat(self, spec, X, Y, V, weights=None):
        from sklearn import get_config

        dtype = np.result_type(X.dtype, V.dtype)
        Vt = np.ascontiguousarray(V.T, dtype=np.float64)
        weights = np.ones(X.shape[0]) if weights is None else np.asarray(weights, np.float64)
        # Chunks of rows, each with one m x k accumulator: enough to balance the
        # threads, as many as working_memory holds, and never a function of the
        # thread count, which would set the order of the sums: results (and CG's
        # iterations) differed between GridSearchCV's workers and the parent.
        accumulator = Y.shape[0] * V.shape[1] * 8
        fits = get_config()["working_memory"] * 2**20 // max(1, accumulator)
        n_chunks = int(max(1, min(X.shape[0], _NORMAL_CHUNKS, fits)))
        partial = np.zeros((n_chunks, V.shape[1], Y.shape[0]), dtype=np.float64)
        codes, stat, params, use_gram = self._codes(spec, X.shape[1], _NORMAL_DIRECT_MAX_FEATURES)
        code = codes[0]
        norms = (X.norms.sq, Y.norms.sq, X.norms.norms, Y.norms.norms)
        with numba_threads_for(X.shape[0] * Y.shape[0]):
            if not use_gram:
                _normal_direct(code, stat, params, X.X, Y.Xt, *norms, Vt, weights, partial)
            else:
                with _single_threaded_blas():
                    _normal_gram(
                        code, stat, params, X.X64, Y.X64, *norms, Vt, weights, partial, X is Y
                    )
        return partial.sum(axis=0).T.astype(dtype)

"""Exact sums of the Laplacian kernel in one to three dimensions, without the n x m pairs.

For ``k(q, y) = exp(-gamma ||q - y||_1)`` the kernel factors over the coordinates,
and inside one orthant around a query (``y_k <= q_k`` or ``y_k > q_k`` for every
k) each factor is ``exp(-gamma sigma_k (q_k - y_k))`` for a fixed sign sigma_k. So
``sum_j v_j k(q, y_j)`` is a sum over the 2^d orthants of weighted empirical
distribution functions -- sums over the points *dominated* by q -- which Langrené &
Warin ("Fast multivariate empirical cumulative distribution function with
connection to kernel density estimation", CSDA 2021) compute for all queries at
once by a divide and conquer over the coordinates: O(N log N) in two dimensions and
O(N log^2 N) in three, N = n + m, exact (every pair is accounted for once).

The implementation here (written from the paper's idea, not its code):

- Data and queries are ordered along each coordinate, data first among equal
  values, so "y before q" means ``y_k <= q_k`` and "y after q" means
  ``y_k > q_k``: every pair falls in exactly one orthant, ties included (a query
  equal to a data point counts it once, at distance 0).
- Two dimensions: a bottom-up merge sort along the first coordinate (the merge
  carries every element's numbers along, rows of two packed arrays, so each level
  streams through memory instead of jumping through index arrays). At each merge
  of a left block and a right block, the left data reach the right queries and the
  right data the left queries, across the split value ``s``: their first-coordinate
  factor is ``exp(-gamma |y_1 - s|) exp(-gamma |q_1 - s|)``. Merging the blocks in
  the order of the second coordinate, a forward and a backward scan accumulate the
  second-coordinate factor. Small blocks (leaves) are summed pair by pair.
- Three dimensions: the same merge along the first coordinate, with a
  two-dimensional problem over the second and third coordinates inside each merge
  ("two colours": left data reach only right queries and the reverse).
- Serial code: merges of one level are independent, but on two cores the
  parallel version cost more CPU time than it saved (0.23 against 0.15
  CPU-seconds for n = m = 100,000 in two dimensions; ~10 ms of thread start-up
  per level for small problems).
- Numerical safety: no ``exp(+gamma x)`` of a raw coordinate is ever formed (it
  overflows once the data span ~700 / gamma). The split value anchors the
  first-coordinate factors (both are <= 1), and the scans keep their running sums
  relative to an anchor that moves with them: a sum is rescaled by
  ``exp(-gamma * distance moved)`` whenever the scan has moved ``_REANCHOR /
  gamma`` past its anchor, so every exponential stays in [exp(-_REANCHOR), 1] or
  decays to a harmless underflow, and each term is multiplied by a few factors
  only: the relative error stays ~1e-14 for any n. What underflows is below
  ``exp(-700)`` times the sum of |v|, as for the direct sums.
"""

import math

import numpy as np

from .._compile import jit

#: Most dimensions the sweep handles; its cost grows like log(N)^(d - 1).
MAX_DIMENSIONS = 3

# Leaves of the divide and conquer: blocks this small are summed pair by pair.
_LEAF = 16
# A scan rescales its running sums once it is this far (times 1/gamma) past its
# anchor: exp(+_REANCHOR) bounds the terms, and old terms shrink by exp(-_REANCHOR).
_REANCHOR = 40.0
# Running sums per scan: (side of the split) x (colour) in three dimensions.
_GROUPS = 4

# Columns of the packed element arrays of a two-dimensional problem.
# reals (float64): the divide-and-conquer coordinate, the scan coordinate, the log of
# the element's incoming factor, then k values (data) and k sums (queries).
_B, _T, _LF0, _VAL = 0, 1, 2, 3
# ints (int64): rank along the scan coordinate, position along the first coordinate,
# 1 for data and 0 for queries, colour, and the row of V or of the output.
_KEY, _POS, _DATA, _COLOUR, _ROW = 0, 1, 2, 3, 4
_N_INT = 5


@jit
def _copy_row(reals, ints, i, reals2, ints2, j):
    for c in range(reals.shape[1]):
        reals2[j, c] = reals[i, c]
    for c in range(_N_INT):
        ints2[j, c] = ints[i, c]


@jit
def _sort_rows(a, hi, reals, ints, key):
    """Rows [a, hi) of (reals, ints) sorted by ints[:, key]: insertion sort, for the
    few rows of a leaf."""
    row_f = np.empty(reals.shape[1])
    row_i = np.empty(_N_INT, np.int64)
    for i in range(a + 1, hi):
        row_f[:] = reals[i]
        row_i[:] = ints[i]
        j = i - 1
        while j >= a and ints[j, key] > row_i[key]:
            _copy_row(reals, ints, j, reals, ints, j + 1)
            j -= 1
        reals[j + 1] = row_f
        ints[j + 1] = row_i


@jit
def _leaf(a, hi, reals, ints, bicolor, gamma, k):
    """The pairs inside the rows [a, hi) summed directly, then the rows sorted by key."""
    acc = _VAL + k
    for i in range(a, hi):
        if ints[i, _DATA]:
            continue
        for j in range(a, hi):
            if not ints[j, _DATA] or (bicolor and ints[i, _COLOUR] == ints[j, _COLOUR]):
                continue
            dist = abs(reals[i, _B] - reals[j, _B]) + abs(reals[i, _T] - reals[j, _T])
            weight = math.exp(reals[i, _LF0] + reals[j, _LF0] - gamma * dist)
            for c in range(k):
                reals[i, acc + c] += weight * reals[j, _VAL + c]
    _sort_rows(a, hi, reals, ints, _KEY)


@jit
def _merge_runs(a, mid, hi, reals, ints, reals2, ints2, key):
    """Rows [a, mid) and [mid, hi) of (reals, ints), each sorted by ints[:, key], merged into
    the same rows of (reals2, ints2)."""
    i, j, o = a, mid, a
    while i < mid and j < hi:
        if ints[i, key] < ints[j, key]:
            _copy_row(reals, ints, i, reals2, ints2, o)
            i += 1
        else:
            _copy_row(reals, ints, j, reals2, ints2, o)
            j += 1
        o += 1
    while i < mid:
        _copy_row(reals, ints, i, reals2, ints2, o)
        i += 1
        o += 1
    while j < hi:
        _copy_row(reals, ints, j, reals2, ints2, o)
        j += 1
        o += 1


@jit
def _scan(a, hi, reals, ints, lf, split_pos, bicolor, gamma, sign, R, k):
    """For the queries among rows [a, hi) (in the order of the scan coordinate, data
    first among equal values), add the data before them (forward, sign = 1:
    ``t_y <= t_q``) or after them (backward, sign = -1: ``t_y > t_q``) on the other
    side of the split (and of the other colour).

    A data row adds ``exp(lf - gamma dt) v`` to the running sum of its group; a query
    reads its group's sum times ``exp(lf)``; ``dt`` is the distance along the scan
    coordinate. Sums are kept relative to an anchor (see the module docstring).
    """
    acc = _VAL + k
    R[:, :] = 0.0
    anchor = sign * reals[a if sign > 0 else hi - 1, _T]
    for step in range(hi - a):
        i = a + step if sign > 0 else hi - 1 - step
        u = sign * reals[i, _T]
        g = gamma * (u - anchor)
        if g > _REANCHOR:
            decay = math.exp(-g)
            for group in range(_GROUPS):
                for c in range(k):
                    R[group, c] *= decay
            anchor = u
            g = 0.0
        side = 1 if ints[i, _POS] >= split_pos else 0
        colour = ints[i, _COLOUR] if bicolor else 0
        if ints[i, _DATA]:
            f = math.exp(lf[i - a] + g)
            group = side + 2 * colour
            for c in range(k):
                R[group, c] += f * reals[i, _VAL + c]
        else:
            f = math.exp(lf[i - a] - g)
            group = (1 - side) + 2 * (1 - colour if bicolor else 0)
            for c in range(k):
                reals[i, acc + c] += f * R[group, c]


@jit
def _merge_2d(a, w, reals, ints, reals2, ints2, first, bicolor, gamma, k):
    """One merge of the two-dimensional divide and conquer: rows [a, a + w) and
    [a + w, a + 2w) (consecutive along the first coordinate, each sorted by key)
    merged into (reals2, ints2), and the pairs across them summed by two scans. ``first``
    holds the first coordinate by position."""
    M = reals.shape[0]
    mid = min(a + w, M)
    hi = min(a + 2 * w, M)
    _merge_runs(a, mid, hi, reals, ints, reals2, ints2, _KEY)
    if mid >= hi:
        return
    # The split: the largest first coordinate on the left. Both factors of a pair
    # across it, exp(-gamma |b - split|), are <= 1.
    split = first[mid - 1]
    lf = np.empty(hi - a)
    for i in range(a, hi):
        lf[i - a] = reals2[i, _LF0] - gamma * abs(reals2[i, _B] - split)
    R = np.empty((_GROUPS, k))
    _scan(a, hi, reals2, ints2, lf, mid, bicolor, gamma, 1.0, R, k)
    _scan(a, hi, reals2, ints2, lf, mid, bicolor, gamma, -1.0, R, k)


@jit
def _solve_2d_serial(reals, ints, reals2, ints2, bicolor, gamma, k):
    """All sums of a two-dimensional problem, serially (rows in the order of the
    first coordinate); returns the pair of arrays that holds the result."""
    M = reals.shape[0]
    first = reals[:, _B].copy()
    for a in range(0, M, _LEAF):
        _leaf(a, min(a + _LEAF, M), reals, ints, bicolor, gamma, k)
    w = _LEAF
    while w < M:
        for a in range(0, M, 2 * w):
            _merge_2d(a, w, reals, ints, reals2, ints2, first, bicolor, gamma, k)
        reals, ints, reals2, ints2 = reals2, ints2, reals, ints
        w *= 2
    return reals, ints


# Columns of a three-dimensional problem: F3 holds the three coordinates, then the
# k values and k sums; I3 the ranks along the second and third coordinates, the
# position along the first, data or query, and the row.
_X1, _X2, _X3, _VAL3 = 0, 1, 2, 3
_KEY2, _KEY3, _POS3, _DATA3, _ROW3 = 0, 1, 2, 3, 4


@jit
def _leaf_3d(a, hi, reals, ints, gamma, k):
    """The pairs inside the rows [a, hi) of a three-dimensional problem, then the
    rows sorted by the rank along the second coordinate."""
    acc = _VAL3 + k
    for i in range(a, hi):
        if ints[i, _DATA3]:
            continue
        for j in range(a, hi):
            if not ints[j, _DATA3]:
                continue
            dist = abs(reals[i, _X1] - reals[j, _X1]) + abs(reals[i, _X2] - reals[j, _X2])
            dist += abs(reals[i, _X3] - reals[j, _X3])
            weight = math.exp(-gamma * dist)
            for c in range(k):
                reals[i, acc + c] += weight * reals[j, _VAL3 + c]
    _sort_rows(a, hi, reals, ints, _KEY2)


@jit
def _solve_3d_serial(reals, ints, reals2, ints2, first, gamma, k):
    """All sums of a three-dimensional problem (rows in the order of the first
    coordinate): leaves, then merges along the first coordinate in the order of the
    second, whose pairs across the split the two-colour two-dimensional algorithm
    sums on the second and third coordinates. Returns the arrays holding the result.
    """
    M = reals.shape[0]
    for a in range(0, M, _LEAF):
        _leaf_3d(a, min(a + _LEAF, M), reals, ints, gamma, k)
    w = _LEAF
    while w < M:
        for a in range(0, M, 2 * w):
            _merge_3d(a, w, reals, ints, reals2, ints2, first, gamma, k)
        reals, ints, reals2, ints2 = reals2, ints2, reals, ints
        w *= 2
    return reals, ints


@jit
def _merge_3d(a, w, reals, ints, reals2, ints2, first, gamma, k):
    """One merge along the first coordinate: rows [a, a + w) and [a + w, a + 2w)
    merged into (reals2, ints2) in the order of the second coordinate, and the pairs
    across the split summed as a two-colour problem on the other two."""
    M = reals.shape[0]
    mid = min(a + w, M)
    hi = min(a + 2 * w, M)
    _merge_runs(a, mid, hi, reals, ints, reals2, ints2, _KEY2)
    if mid >= hi:
        return
    split = first[mid - 1]
    size = hi - a
    sub_f = np.zeros((size, _VAL + 2 * k))
    sub_i = np.empty((size, _N_INT), np.int64)
    for p in range(size):
        i = a + p
        sub_f[p, _B] = reals2[i, _X2]
        sub_f[p, _T] = reals2[i, _X3]
        sub_f[p, _LF0] = -gamma * abs(reals2[i, _X1] - split)
        for c in range(k):
            sub_f[p, _VAL + c] = reals2[i, _VAL3 + c]
        sub_i[p, _KEY] = ints2[i, _KEY3]
        sub_i[p, _POS] = p
        sub_i[p, _DATA] = ints2[i, _DATA3]
        sub_i[p, _COLOUR] = 1 if ints2[i, _POS3] >= mid else 0
        sub_i[p, _ROW] = p
    done_f, done_i = _solve_2d_serial(
        sub_f, sub_i, np.empty_like(sub_f), np.empty_like(sub_i), True, gamma, k
    )
    for p in range(size):
        i = a + done_i[p, _ROW]
        for c in range(k):
            reals2[i, _VAL3 + k + c] += done_f[p, _VAL + k + c]


@jit
def _solve_1d(t, is_data, V, gamma, out):
    """One dimension: a forward and a backward scan over the elements sorted by t
    (data first among equal values)."""
    M = t.shape[0]
    k = V.shape[1]
    for sign in (1.0, -1.0):
        R = np.zeros(k)
        anchor = sign * t[0 if sign > 0 else M - 1]
        for step in range(M):
            i = step if sign > 0 else M - 1 - step
            u = sign * t[i]
            g = gamma * (u - anchor)
            if g > _REANCHOR:
                decay = math.exp(-g)
                for c in range(k):
                    R[c] *= decay
                anchor = u
                g = 0.0
            if is_data[i]:
                f = math.exp(g)
                for c in range(k):
                    R[c] += f * V[i, c]
            else:
                f = math.exp(-g)
                for c in range(k):
                    out[i, c] += f * R[c]


def _ranks(values, is_query):
    """Rank of every element along one coordinate, data before queries among equal
    values: rank(y) < rank(q) exactly when y <= q for a data point y and a query q."""
    order = np.lexsort((is_query, values))
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    return order, rank


def laplacian_matmat(X, Y, V, gamma):
    """``K(X, Y) @ V`` for ``k(x, y) = exp(-gamma ||x - y||_1)``, exactly, by dominance sums.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Queries (rows of K), d <= 3.
    Y : ndarray of shape (m, d)
        Data (columns of K).
    V : ndarray of shape (m, k)
        Weights.
    gamma : float
        Inverse length scale (> 0).

    Returns
    -------
    out : ndarray of shape (n, k)
        float64.
    """
    n, d = X.shape
    m = Y.shape[0]
    k = V.shape[1]
    if not 1 <= d <= MAX_DIMENSIONS:
        raise ValueError(f"The dominance sums run in 1 to {MAX_DIMENSIONS} dimensions; got {d}.")
    P = np.concatenate([X, Y]).astype(np.float64, copy=False)
    is_query = np.concatenate([np.ones(n, bool), np.zeros(m, bool)])
    values = np.zeros((n + m, k))
    values[n:] = V
    gamma = float(gamma)
    # Every element's place along the first coordinate.
    order, _ = _ranks(P[:, 0], is_query)
    out = np.empty((n, k))
    if d == 1:
        sums = np.zeros((n + m, k))
        _solve_1d(P[order, 0].copy(), ~is_query[order], values[order], gamma, sums)
        out[order[order < n]] = sums[is_query[order]]
        return out
    P, is_query, values = P[order], is_query[order], values[order]
    # Elements are now numbered by their position along the first coordinate.
    ints = np.empty((n + m, _N_INT), dtype=np.int64)
    if d == 2:
        reals = np.zeros((n + m, _VAL + 2 * k))
        reals[:, _B], reals[:, _T] = P[:, 0], P[:, 1]
        reals[:, _VAL : _VAL + k] = values
        ints[:, _KEY] = _ranks(P[:, 1], is_query)[1]
        ints[:, _POS] = np.arange(n + m)
        ints[:, _DATA] = ~is_query
        ints[:, _COLOUR] = 0
        ints[:, _ROW] = order  # queries are 0..n-1
        reals, ints = _solve_2d_serial(
            reals, ints, np.empty_like(reals), np.empty_like(ints), False, gamma, k
        )
        row, sums = ints[:, _ROW], reals[:, _VAL + k :]
    else:
        reals = np.zeros((n + m, _VAL3 + 2 * k))
        reals[:, :3] = P
        reals[:, _VAL3 : _VAL3 + k] = values
        ints[:, _KEY2] = _ranks(P[:, 1], is_query)[1]
        ints[:, _KEY3] = _ranks(P[:, 2], is_query)[1]
        ints[:, _POS3] = np.arange(n + m)
        ints[:, _DATA3] = ~is_query
        ints[:, _ROW3] = order
        first = P[:, 0].copy()
        reals, ints = _solve_3d_serial(
            reals, ints, np.empty_like(reals), np.empty_like(ints), first, gamma, k
        )
        row, sums = ints[:, _ROW3], reals[:, _VAL3 + k :]
    queries = row < n
    out[row[queries]] = sums[queries]
    return out


# Measured costs on one core of this project's 2-core machines (n = m = 100 ..
# 100,000, one right-hand side): the fused direct sums take ~2 ns per pair and
# thread; the sweep ~10 ns per element in one dimension, ~60 ns times log2(N) in
# two and ~25 ns times log2(N)^2 in three.
_DIRECT_SECONDS_PER_PAIR = 2e-9
_SWEEP_SECONDS = {
    1: lambda N: 1e-8 * N,
    2: lambda N: 6e-8 * N * math.log2(N),
    3: lambda N: 2.5e-8 * N * math.log2(N) ** 2,
}


def sweep_wins(n, m, d, n_threads):
    """Whether the dominance sums beat the direct sums (run on ``n_threads``) for
    an n x m product in d dimensions, by the measured cost model above."""
    if not 1 <= d <= MAX_DIMENSIONS or n * m == 0:
        return False
    direct = _DIRECT_SECONDS_PER_PAIR * n * m / max(1, n_threads)
    return direct > _SWEEP_SECONDS[d](n + m)

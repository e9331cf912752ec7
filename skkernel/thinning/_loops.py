"""The sequential loops of kernel thinning, compiled with numba.

Both loops read kernel values from a dense matrix: the whole Gram matrix of a small
point set, or one block of a large one (see :mod:`skkernel.thinning._thinner`). They
are the parts of KT that cannot be vectorised, since each step depends on the one before.
"""

import math

import numpy as np

from .._compile import jit


@jit
def halve_walk(K, index, diag, psi, signs, sigma2, log_multiplier, uniforms):
    """KT-SPLIT's self-balancing walk over consecutive pairs of points.

    Point ``p`` of the walk is row/column ``index[p]`` of ``K``. Pair ``i`` is
    points ``(2i, 2i + 1)``; the walk gives one of them sign +1 (first coreset) and
    the other -1 (second coreset), so that ``psi = sum_p signs[p] k(x_p, .)`` stays
    small: the pair's difference ``f = k(x, .) - k(x', .)`` enters with sign +1 with
    probability ``(1 - <psi, f> / a) / 2``, where the threshold ``a`` adapts to the
    sub-Gaussian constant ``sigma2`` of the walk so far (Dwivedi & Mackey, Alg. 1a).

    Parameters
    ----------
    K : ndarray of shape (N, N)
        Split-kernel values.
    index : ndarray of int of shape (2h,)
        The walk's points, as rows of ``K``.
    diag : ndarray of shape (N,)
        ``k(x, x)`` for each row of ``K``.
    psi : ndarray of shape (2h,)
        ``<psi, k(x_p, .)>`` contributed by points walked before this call (zero for
        a walk that starts here).
    signs : ndarray of shape (2h,)
        Output, +1.0 or -1.0 per point.
    sigma2 : float
        Sub-Gaussian constant carried over from earlier blocks of the same walk.
    log_multiplier : float
        ``2 log(2 n / delta)`` for the walk's n points and failure probability delta.
    uniforms : ndarray of shape (h,)
        Uniform draws on [0, 1), one per pair.

    Returns
    -------
    sigma2 : float
        The constant to carry into the next block.
    """
    for i in range(index.size // 2):
        p = 2 * i
        q = p + 1
        row_p = index[p]
        row_q = index[q]
        # <psi, f>: earlier blocks through psi, this block's earlier pairs directly.
        inner = psi[p] - psi[q]
        for j in range(p):
            inner += signs[j] * (K[row_p, index[j]] - K[row_q, index[j]])
        b2 = max(diag[row_p] + diag[row_q] - 2.0 * K[row_p, row_q], 0.0)
        thresh = max(math.sqrt(sigma2 * b2 * log_multiplier), b2)
        if sigma2 == 0.0:
            sigma2 = b2
        elif thresh > 0.0:
            growth = 1.0 + (b2 / thresh - 2.0) * sigma2 / thresh
            if growth > 0.0:
                sigma2 += b2 * growth
        if thresh == 0.0:
            # Then b2 = 0: the two points are one function, either sign will do.
            thresh = 1.0
        if uniforms[i] <= 0.5 * (1.0 - inner / thresh):
            signs[p] = 1.0
            signs[q] = -1.0
        else:
            signs[p] = -1.0
            signs[q] = 1.0
    return sigma2


@jit
def block_sum(K, subset):
    """``K[np.ix_(subset, subset)].sum()`` without gathering the block."""
    total = 0.0
    for i in subset:
        row = K[i]
        for j in subset:
            total += row[j]
    return total


@jit
def swap_scores(K, coreset, mean_embedding):
    """KT-SWAP's score of every point: the change in ``s * MMD^2`` to the target if
    the point joined the coreset with weight 1/s, ``k(z, z)/s + 2 (Q k(z) - P k(z))``.
    """
    n = K.shape[0]
    size = coreset.size
    score = np.empty(n)
    for z in range(n):
        total = 0.0
        for c in coreset:
            total += K[z, c]
        score[z] = K[z, z] / size + 2.0 * (total / size - mean_embedding[z])
    return score


@jit
def swap_refine(K, coreset, in_coreset, score):
    """KT-SWAP: replace each coreset point in turn by the point that most lowers the
    MMD to the target, among the points not in the coreset (so indices stay unique).

    ``coreset``, ``in_coreset`` and ``score`` (from :func:`swap_scores`) are updated
    in place.
    """
    n = K.shape[0]
    step = 2.0 / coreset.size
    for t in range(coreset.size):
        out = coreset[t]
        for z in range(n):
            score[z] -= step * K[out, z]
        best = out
        best_score = score[out]
        for z in range(n):
            if not in_coreset[z] and score[z] < best_score:
                best = z
                best_score = score[z]
        if best != out:
            in_coreset[out] = False
            in_coreset[best] = True
            coreset[t] = best
        for z in range(n):
            score[z] += step * K[best, z]

"""Kernel thinning: coresets whose empirical distribution is close to the sample's.

Kernel thinning (Dwivedi & Mackey, "Kernel Thinning", 2021; "Generalized Kernel
Thinning", 2022) compresses n points to about sqrt(n) points whose maximum mean
discrepancy (MMD) to the whole sample is about n^-1/2 (up to log factors), where a
uniform subsample of the same size is off by n^-1/4. Compress++ (Shetty, Dwivedi &
Mackey, "Distribution Compression in Near-linear Time", 2022) gets the same quality
in O(4^g n log n) kernel evaluations instead of KT's O(n^2).

The algorithms, on an ordered point set:

- KT-SPLIT (:func:`~skkernel.thinning._loops.halve_walk`): a self-balancing signed
  walk over consecutive pairs splits the points into two halves whose kernel mean
  embeddings agree; m rounds give 2^m candidate coresets of n / 2^m points. The
  walk's kernel is the target kernel ("target KT"), its square root ("KT", RBF
  only) or their sum ("KT+", RBF only).
- KT-SWAP (:func:`~skkernel.thinning._loops.swap_refine`): take the candidate (or
  the evenly spaced baseline) closest to the whole set in MMD, then replace each of
  its points in turn by the point that lowers the MMD most.
- Compress++: split the data into four, compress each quarter recursively, merge and
  halve (one KT round), down to 2^g sqrt(n) points; then KT those to sqrt(n).

Small point sets (whose Gram matrix fits in ``working_memory``) are thinned on their
dense Gram matrix. Larger ones never form it: the walk goes by blocks of pairs,
getting ``<psi, k(x, .)>`` for a block from one kernel product with the points
walked before it (a :class:`~skkernel.KernelOperator` product, so it runs on the
numba/KeOps/CuPy/Dask backends), and KT-SWAP computes one kernel column per swap.
"""

from typing import Any, Literal, TypeAlias, get_args

import numpy as np
from sklearn import get_config
from sklearn.utils import check_random_state

from .._operator import KernelOperator
from .._typing import BackendName, NDArray, RandomStateLike
from ..kernels import RBF, Kernel
from . import _loops as loops

__all__ = ["METHODS", "ThinningMethod", "thinning_indices"]

#: ``method=`` of KernelThinning.
ThinningMethod: TypeAlias = Literal["compress++", "kt", "target-kt", "kt+"]
#: The thinning algorithms KernelThinning offers.
METHODS: tuple[str, ...] = get_args(ThinningMethod)

#: Pairs of points walked per kernel product when the Gram matrix is not formed.
_WALK_BLOCK_PAIRS = 512


def _evenly_spaced(n, size):
    """``size`` distinct positions spread evenly over ``range(n)`` (standard thinning)."""
    return (np.arange(size) * n) // size


class _WalkKernel:
    """The kernel KT-SPLIT walks with: a sum of kernels (one, or two for KT+)."""

    def __init__(self, kernels, backend):
        self.kernels = kernels
        self.backend = backend

    def gram(self, P, known=None):
        """The walk's Gram matrix, summed in place (``sum()`` would hold one more).
        ``known`` is the Gram matrix of one of the kernels, already computed: added,
        not recomputed (and not overwritten)."""
        kernel, matrix = known if known is not None else (None, None)
        others = [k for k in self.kernels if k is not kernel]
        if not others:
            return matrix
        total = KernelOperator(others[0], P, backend=self.backend).gram()
        for k in others[1:]:
            total += KernelOperator(k, P, backend=self.backend).gram()
        if len(others) < len(self.kernels):
            total += matrix
        return total

    def diag(self, P):
        return sum(k.diag(P).astype(np.float64) for k in self.kernels)

    def product(self, A, B, v):
        return sum(KernelOperator(k, A, B, backend=self.backend) @ v for k in self.kernels)


def _walk_kernels(kernel, method, n_features):
    """The kernels KT-SPLIT sums for ``method`` (target KT, KT, KT+)."""
    if method in ("target-kt", "compress++"):
        return [kernel]
    spec = kernel.spec(n_features)
    if not spec.closed_form or spec.family.name != "rbf":
        raise ValueError(
            f"method={method!r} walks with the square-root kernel, which skkernel knows "
            f"in closed form for the RBF kernel only (got {kernel!r}); use "
            "method='target-kt' or method='compress++', which work with every kernel."
        )
    # The square root of exp(-gamma |x - y|^2) (the kernel k_rt with
    # int k_rt(x, z) k_rt(z, y) dz proportional to k(x, y)) is exp(-2 gamma |x - y|^2),
    # up to a constant; both have sup 1, so KT+'s sum needs no rescaling.
    root = RBF(gamma=2.0 * spec["gamma"])
    return [root] if method == "kt" else [kernel, root]


def _max_dense_points(working_memory, n_matrices):
    """Largest point set whose ``n_matrices`` float64 Gram matrices fit ``working_memory`` MiB."""
    return int(np.sqrt(working_memory * 2**20 / (8 * n_matrices)))


#: Compress++ keeps its g up to the size whose Gram matrix fits scikit-learn's
#: default working_memory (1024 MiB: 11,585 points), not the configured one: a seeded
#: coreset must not change with a memory setting (the dense and blocked paths take
#: the same decisions).
_MAX_POINTS_KEEPING_G = _max_dense_points(1024, 1)


class _Thinner:
    """KT and Compress++ on the rows of X, with one kernel and one random stream."""

    def __init__(self, X, kernel, walk_kernels, backend, rng):
        self.X = X
        self.kernel = kernel
        self.walk = _WalkKernel(walk_kernels, backend)
        self.walk_is_target = walk_kernels == [kernel]
        self.backend = backend
        self.rng = rng
        # Largest point set thinned on its dense Gram matrix (one or two of them).
        n_matrices = 1 if self.walk_is_target else 2
        self.max_dense = _max_dense_points(get_config()["working_memory"], n_matrices)
        self._gram_buffer = np.empty(0)

    def _target(self, A, B=None):
        """The target kernel's K(A, B) on the run's backend."""
        return KernelOperator(self.kernel, A, B, backend=self.backend)

    def _reserve_gram(self, n_points):
        """Make the Gram buffer hold ``n_points`` x ``n_points``."""
        if self._gram_buffer.size < n_points**2:
            self._gram_buffer = np.empty(n_points**2)

    def _gram(self, P):
        """K(P, P) in float64, in one buffer reused by every dense thinning of the
        run: a fresh matrix per halving would be page-faulted in anew each time
        (2 GB in all for Compress++ at n = 2^16, a fifth of its time). X, and so P,
        is float64 (``thinning_indices`` takes validated float64 data)."""
        n = P.shape[0]
        self._reserve_gram(n)
        return self._target(P).gram(out=self._gram_buffer[: n * n].reshape(n, n))

    # -- KT: KT-SPLIT, then KT-SWAP -------------------------------------------------

    def thin(self, index, size, delta, symmetrize=False):
        """``size`` of the points ``X[index]``, by KT against their own mean.

        KT-SPLIT walks the evenly spaced ``size * 2^m`` of them, m = floor(log2(n /
        size)); KT-SWAP chooses among all n. With ``symmetrize`` (halving in
        Compress), the complement is returned instead with probability 1/2.
        """
        n = index.size
        if size >= n:
            return index
        rounds = int(np.floor(np.log2(n / size)))
        walked = _evenly_spaced(n, size << rounds)
        P = self.X[index]
        dense = n <= self.max_dense
        thin = self._thin_dense if dense else self._thin_blocked
        in_coreset = thin(P, walked, rounds, size, delta)
        if symmetrize and n == 2 * size and self.rng.random_sample() < 0.5:
            in_coreset = ~in_coreset
        return index[in_coreset]

    def _split(self, walked, rounds, delta, halve):
        """KT-SPLIT: ``rounds`` rounds of halving, 2^rounds candidate coresets."""
        sets = [walked]
        for _ in range(rounds):
            # As in the paper, round j's failure probability is delta 2^(j-1) / m.
            level_delta = delta * len(sets) / rounds
            halves = []
            for points in sets:
                signs = halve(points, level_delta)
                halves += [points[signs > 0], points[signs < 0]]
            sets = halves
        return sets

    def _uniforms_and_multiplier(self, n_points, delta):
        uniforms = self.rng.random_sample(n_points // 2)
        # delta is a probability; the shares handed to small halvings can exceed 1.
        return uniforms, 2.0 * np.log(2.0 * n_points / min(delta, 1.0))

    def _thin_dense(self, P, walked, rounds, size, delta):
        K = self._gram(P)
        # KT+ walks with the target plus its root: reuse K rather than recompute it.
        K_walk = K if self.walk_is_target else self.walk.gram(P, known=(self.kernel, K))
        walk_diag = np.ascontiguousarray(np.diag(K_walk))

        def halve(points, level_delta):
            uniforms, multiplier = self._uniforms_and_multiplier(points.size, level_delta)
            signs = np.empty(points.size)
            psi = np.zeros(points.size)
            loops.halve_walk(K_walk, points, walk_diag, psi, signs, 0.0, multiplier, uniforms)
            return signs

        candidates = self._split(walked, rounds, delta, halve)
        mean_embedding = K.mean(axis=1)

        def relative_mmd2(c):
            return loops.block_sum(K, c) / c.size**2 - 2.0 * mean_embedding[c].mean()

        coreset = self._best(candidates, P.shape[0], size, relative_mmd2)
        in_coreset = np.zeros(P.shape[0], dtype=bool)
        in_coreset[coreset] = True
        scores = loops.swap_scores(K, coreset, mean_embedding)
        loops.swap_refine(K, coreset, in_coreset, scores)
        return in_coreset

    def _thin_blocked(self, P, walked, rounds, size, delta):
        def halve(points, level_delta):
            Q = P[points]
            uniforms, multiplier = self._uniforms_and_multiplier(points.size, level_delta)
            walk_diag = self.walk.diag(Q)
            signs = np.empty(points.size)
            sigma2 = 0.0
            step = 2 * _WALK_BLOCK_PAIRS
            for start in range(0, points.size, step):
                stop = min(start + step, points.size)
                block = Q[start:stop]
                # <psi, k(x, .)> from the pairs already walked, in one kernel product.
                if start:
                    psi = self.walk.product(block, Q[:start], signs[:start])
                else:
                    psi = np.zeros(stop - start)
                sigma2 = loops.halve_walk(
                    self.walk.gram(block),
                    np.arange(stop - start),
                    walk_diag[start:stop],
                    psi,
                    signs[start:stop],
                    sigma2,
                    multiplier,
                    uniforms[start // 2 : stop // 2],
                )
            return signs

        candidates = self._split(walked, rounds, delta, halve)
        n = P.shape[0]
        mean_embedding = (self._target(P) @ np.ones(n)) / n

        def coreset_sums(c):
            # K(P, P[c]) @ 1: the coreset's kernel sum at every point of P.
            return self._target(P, P[c]) @ np.ones(c.size)

        def relative_mmd2(c):
            inner = self._target(P[c]) @ np.ones(c.size)
            return inner.sum() / c.size**2 - 2.0 * mean_embedding[c].mean()

        coreset = self._best(candidates, n, size, relative_mmd2)
        return self._swap_blocked(P, coreset, mean_embedding, coreset_sums(coreset))

    def _best(self, candidates, n, size, relative_mmd2):
        """KT-SWAP's start: the candidate, or the evenly spaced baseline, closest to
        the set in MMD (``relative_mmd2`` is MMD^2 less a constant)."""
        baseline = _evenly_spaced(n, size)
        # With one round the two halves of an even set are equally far from it.
        pool = candidates[:1] if len(candidates) == 2 and 2 * size == n else candidates
        pool = [*pool, baseline]
        return np.array(min(pool, key=relative_mmd2), dtype=np.int64)

    def _swap_blocked(self, P, coreset, mean_embedding, sums):
        """KT-SWAP with one kernel column per swap instead of the Gram matrix."""
        n = P.shape[0]
        size = coreset.size
        in_coreset = np.zeros(n, dtype=bool)
        in_coreset[coreset] = True
        columns = self._target(P)
        diag = columns.diag().astype(np.float64)
        scores = diag / size + 2.0 * (sums / size - mean_embedding)
        step = 2.0 / size
        # Kernel rows, not columns (the same values, the kernel being symmetric): a
        # backend fills a one-row block in one vectorised pass over the points, a
        # one-column block one point at a time (8-30x slower on numba).
        for t in range(size):
            out = coreset[t]
            column = columns.block([out], slice(None))[0]
            scores -= step * column
            masked = np.where(in_coreset, np.inf, scores)
            best = int(np.argmin(masked))
            if masked[best] < scores[out]:
                in_coreset[out] = False
                in_coreset[best] = True
                coreset[t] = best
                column = columns.block([best], slice(None))[0]
            scores += step * column
        return in_coreset

    # -- Compress++ -----------------------------------------------------------------

    def compress_pp(self, size, g, delta):
        """Compress++: Compress(g) to ``2^g size`` points, then KT to ``size``.

        As in the reference implementation (goodpoints), Compress's last halving is
        folded into the final KT: each quarter of the data is compressed to
        ``2^(g-1) size`` points and KT thins the ``2^(g+1) size`` of them with g + 1
        rounds, at the cost the halving would have had and with a better guarantee.
        """
        n = self.X.shape[0]
        index = np.arange(n)
        if 4 * (size << g) > n and n > _MAX_POINTS_KEEPING_G:
            # Fewer oversampling rounds keep the cost near-linear when the coreset is
            # large next to n (Nystroem landmarks); small sets get plain KT below.
            g = max(0, int(np.floor(np.log2(n / (4 * size)))))
        compressed_size = size << g
        if 4 * compressed_size > n:
            # A quarter could not even be halved: KT on everything is as cheap.
            return self.thin(index, size, delta)
        # Each quarter's Compress recursion halves on ``levels`` levels (>= 1, as
        # 4 * compressed_size <= n); delta is shared between its halvings and the
        # last KT as goodpoints shares it.
        levels = max(1, int(np.floor(np.log2(n / compressed_size))) - 1)
        thin_share = (g + 1) / (g + 1 + 2 ** (g + 1) * levels)
        halve_delta = delta * (1.0 - thin_share) / (4 ** (g + 1) * levels * n)
        sizes = [(2 * compressed_size + i) // 4 for i in range(4)]
        # Reserve the largest Gram matrix before the halvings: the final KT's, or, if
        # that one is walked in blocks, the largest halving's (of compressed_size).
        final_dense = 2 * compressed_size <= self.max_dense
        self._reserve_gram(
            min(2 * compressed_size if final_dense else compressed_size, self.max_dense)
        )
        merged = self._compress_quarters(index, sizes, halve_delta)
        if not final_dense:
            self._gram_buffer = np.empty(0)  # the blocked final KT does not use it
        return self.thin(merged, size, delta * thin_share)

    def _compress_quarters(self, index, sizes, halve_delta):
        """Compress each quarter of ``X[index]`` to its entry of ``sizes``; concatenate."""
        quarters = np.array_split(index, 4)
        return np.concatenate(
            [self._compress(q, s, halve_delta) for q, s in zip(quarters, sizes, strict=True)]
        )

    def _compress(self, index, size, halve_delta):
        """Compress: ``size`` of ``X[index]``; recursion on quarters, then one halving."""
        n = index.size
        if size == 0:
            # A quarter's share of a coreset smaller than 4 points can be none.
            return index[:0]
        if n < 4 * size:
            merged = index
        else:
            # The four children return 2 * size points between them.
            sizes = [(2 * size + i) // 4 for i in range(4)]
            merged = self._compress_quarters(index, sizes, halve_delta)
        # A halving of l points fails with probability about l^2 halve_delta.
        return self.thin(merged, size, halve_delta * merged.size**2, symmetrize=True)


def thinning_indices(
    kernel: Kernel,
    X: NDArray[Any],
    size: int,
    *,
    method: ThinningMethod = "compress++",
    delta: float = 0.5,
    g: int = 4,
    backend: BackendName = "auto",
    random_state: RandomStateLike = None,
) -> NDArray[np.intp]:
    """Row indices (sorted) of a kernel-thinning coreset of ``size`` rows of X.

    Parameters
    ----------
    kernel : Kernel
    X : ndarray of shape (n_samples, n_features), validated float64
    size : int
        At most n_samples.
    method : {"compress++", "kt", "target-kt", "kt+"}
    delta : float in (0, 1)
    g : int >= 0
        Compress++'s oversampling parameter.
    backend : str
    random_state : int, RandomState instance or None
        Pass an int for reproducible output across multiple function calls.

    Returns
    -------
    indices : ndarray of int of shape (size,)
    """
    rng = check_random_state(random_state)
    walk = _walk_kernels(kernel, method, X.shape[1])
    thinner = _Thinner(X, kernel, walk, backend, rng)
    if method == "compress++":
        indices = thinner.compress_pp(size, g, delta)
    else:
        indices = thinner.thin(np.arange(X.shape[0]), size, delta)
    return np.sort(indices)

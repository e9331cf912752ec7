"""Kernel thinning: coresets whose empirical distribution is close to the sample's.

Kernel thinning (Dwivedi & Mackey, "Kernel Thinning", 2021; "Generalized Kernel
Thinning", 2022) compresses n points to about sqrt(n) points whose maximum mean
discrepancy (MMD) to the whole sample is about n^-1/2 (up to log factors), where a
uniform subsample of the same size is off by n^-1/4. Compress++ (Shetty, Dwivedi &
Mackey, "Distribution Compression in Near-linear Time", 2022) gets the same quality
in O(4^g n log n) kernel evaluations instead of KT's O(n^2).

The algorithms, on an ordered point set:

- KT-SPLIT (:func:`~skkernel._thinning_loops.halve_walk`): a self-balancing signed
  walk over consecutive pairs splits the points into two halves whose kernel mean
  embeddings agree; m rounds give 2^m candidate coresets of n / 2^m points. The
  walk's kernel is the target kernel ("target KT"), its square root ("KT", RBF
  only) or their sum ("KT+", RBF only).
- KT-SWAP (:func:`~skkernel._thinning_loops.swap_refine`): take the candidate (or
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

from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _thinning_loops as loops
from ._accel import BACKEND_NAMES
from ._operator import KernelOperator
from ._solvers import dense_kernel_matrix
from ._validation import check_kernel_input
from .kernels import RBF, kernel_from_params, make_kernel

__all__ = ["KernelThinning", "mmd", "METHODS"]

#: The thinning algorithms KernelThinning offers.
METHODS = ("compress++", "kt", "target-kt", "kt+")

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

    def gram(self, P):
        return sum(dense_kernel_matrix(k, P) for k in self.kernels)

    def diag(self, P):
        return sum(k._paired(P, P).astype(np.float64) for k in self.kernels)

    def product(self, A, B, v):
        return sum(KernelOperator(k, A, B, backend=self.backend) @ v for k in self.kernels)


def _walk_kernels(kernel, method, n_features):
    """The kernels KT-SPLIT sums for ``method`` (target KT, KT, KT+)."""
    if method in ("target-kt", "compress++"):
        return [kernel]
    spec = kernel.accel_spec(n_features)
    if spec is None or spec.family != "rbf":
        raise ValueError(
            f"method={method!r} walks with the square-root kernel, which skkernel knows "
            f"in closed form for the RBF kernel only (got {kernel!r}); use "
            "method='target-kt' or method='compress++', which work with every kernel."
        )
    # The square root of exp(-gamma |x - y|^2) (the kernel k_rt with
    # int k_rt(x, z) k_rt(z, y) dz proportional to k(x, y)) is exp(-2 gamma |x - y|^2),
    # up to a constant; both have sup 1, so KT+'s sum needs no rescaling.
    root = RBF(gamma=2.0 * spec.gamma)
    return [root] if method == "kt" else [kernel, root]


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
        budget = get_config()["working_memory"] * 2**20 / (8 * n_matrices)
        self.max_dense = int(np.sqrt(budget))
        self._gram_buffer = np.empty(0)

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
        return dense_kernel_matrix(self.kernel, P, out=self._gram_buffer[: n * n].reshape(n, n))

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
        K_walk = K
        if not self.walk_is_target:
            K_walk = sum(
                K if k is self.kernel else dense_kernel_matrix(k, P) for k in self.walk.kernels
            )
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
        target = KernelOperator(self.kernel, P, backend=self.backend)
        mean_embedding = (target @ np.ones(n)) / n

        def coreset_sums(c):
            # K(P, P[c]) @ 1: the coreset's kernel sum at every point of P.
            return KernelOperator(self.kernel, P, P[c], backend=self.backend) @ np.ones(c.size)

        def relative_mmd2(c):
            inner = KernelOperator(self.kernel, P[c], backend=self.backend) @ np.ones(c.size)
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
        diag = self.kernel._paired(P, P).astype(np.float64)
        scores = diag / size + 2.0 * (sums / size - mean_embedding)
        step = 2.0 / size
        for t in range(size):
            out = coreset[t]
            column = self.kernel._compute(P, P[out : out + 1])[:, 0]
            scores -= step * column
            masked = np.where(in_coreset, np.inf, scores)
            best = int(np.argmin(masked))
            if masked[best] < scores[out]:
                in_coreset[out] = False
                in_coreset[best] = True
                coreset[t] = best
                column = self.kernel._compute(P, P[best : best + 1])[:, 0]
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
        if 4 * (size << g) > n and n > self.max_dense:
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
        if n < 4 * size:
            merged = index
        else:
            # The four children return 2 * size points between them.
            sizes = [(2 * size + i) // 4 for i in range(4)]
            merged = self._compress_quarters(index, sizes, halve_delta)
        # A halving of l points fails with probability about l^2 halve_delta.
        return self.thin(merged, size, halve_delta * merged.size**2, symmetrize=True)


def _resolve_size(n_components, n_samples):
    if n_components == "sqrt":
        return max(1, int(np.sqrt(n_samples)))
    if n_components > n_samples:
        raise ValueError(
            f"n_components={n_components} is larger than the number of samples, "
            f"{n_samples}: a coreset is a subset of the data. Use n_components <= "
            f"{n_samples}, or 'sqrt'."
        )
    return int(n_components)


def thinning_indices(
    kernel, X, size, *, method="compress++", delta=0.5, g=4, backend="auto", random_state=None
):
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


def mmd(
    X,
    indices,
    *,
    kernel="rbf",
    gamma=None,
    degree=3,
    coef0=1,
    kernel_params=None,
    backend="auto",
):
    """Maximum mean discrepancy between the rows of X and the rows ``X[indices]``.

    ``MMD^2 = mean K(X, X) - 2 mean K(X, S) + mean K(S, S)`` for ``S = X[indices]``,
    each mean from kernel products (blocked, on the chosen backend): the n x n
    matrix is never formed.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    indices : array-like of int, or a list of them
        Rows of X forming the subsample (repeats count with their multiplicity). A
        list of index arrays returns one MMD per array, sharing the ``K(X, X)``
        term.
    kernel, gamma, degree, coef0, kernel_params
        The kernel, as in :func:`skkernel.make_kernel`.
    backend : str, default="auto"
        Backend of the kernel products.

    Returns
    -------
    mmd : float, or ndarray of shape (len(indices),) for a list of index arrays

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel.thinning import mmd
    >>> X = np.random.default_rng(0).normal(size=(1000, 2))
    >>> round(mmd(X, np.arange(1000), gamma=0.5), 12)
    0.0
    >>> bool(mmd(X, np.arange(10), gamma=0.5) > mmd(X, np.arange(500), gamma=0.5))
    True
    """
    X = check_kernel_input(X, dtype=np.float64)
    several = isinstance(indices, list | tuple) and len(indices) > 0 and np.ndim(indices[0]) == 1
    subsets = [_check_indices(i, X.shape[0]) for i in (indices if several else [indices])]
    k = make_kernel(kernel, gamma=gamma, degree=degree, coef0=coef0, kernel_params=kernel_params)
    n = X.shape[0]
    ones = np.ones(n)
    whole = (KernelOperator(k, X, backend=backend) @ ones).sum() / n**2
    values = []
    for subset in subsets:
        S = X[subset]
        s = subset.size
        cross = (KernelOperator(k, S, X, backend=backend) @ ones).sum() / (n * s)
        inner = (KernelOperator(k, S, backend=backend) @ np.ones(s)).sum() / s**2
        values.append(np.sqrt(max(whole - 2.0 * cross + inner, 0.0)))
    return np.array(values) if several else float(values[0])


def _check_indices(indices, n_samples):
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.size == 0:
        raise ValueError(
            f"indices must be a non-empty 1-D array of row numbers; got shape {indices.shape}."
        )
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"indices must be integers; got dtype {indices.dtype}.")
    if indices.min() < -n_samples or indices.max() >= n_samples:
        raise IndexError(
            f"indices must lie in [0, {n_samples}); got {indices.min()}..{indices.max()}."
        )
    return indices


class KernelThinning(BaseEstimator):
    """Kernel thinning: a coreset of the rows of X close to X in kernel MMD.

    Picks ``n_components`` rows (``sqrt(n)`` by default) whose empirical distribution
    matches the whole sample's far better than a random subsample of the same size:
    maximum mean discrepancy about n^-1/2 instead of n^-1/4. Use it to summarise a
    large sample, to subsample training data (:meth:`fit_resample`, the
    imbalanced-learn sampler convention, so it works in an ``imblearn`` Pipeline), or
    as Nystroem landmarks (``Nystroem(sampling="kernel-thinning")``).

    Parameters
    ----------
    kernel : str, Kernel or callable, default="rbf"
        The kernel whose MMD the coreset minimises; anything
        :func:`skkernel.make_kernel` accepts.
    gamma : float, default=None
        RBF, Laplacian, polynomial, sigmoid and chi2 scale; None means
        ``1 / n_features``.
    degree : float, default=3
        Polynomial degree.
    coef0 : float, default=1
        Polynomial and sigmoid offset.
    kernel_params : dict, default=None
        Other kernel parameters (for a callable kernel, its keyword arguments).
    n_components : int or "sqrt", default="sqrt"
        Coreset size; "sqrt" means ``floor(sqrt(n_samples))``.
    method : {"compress++", "kt", "target-kt", "kt+"}, default="compress++"
        - "compress++": Compress++ with target-KT halving, O(4^g n log n) kernel
          evaluations; every kernel.
        - "target-kt": KT-SPLIT with the kernel itself, then KT-SWAP; O(n^2)
          evaluations (in blocks; no n x n matrix above ``working_memory``); every
          kernel.
        - "kt": the original KT, KT-SPLIT with the square-root kernel; RBF only.
        - "kt+": KT-SPLIT with the kernel plus its square root; RBF only.
    delta : float in (0, 1), default=0.5
        KT-SPLIT's failure probability: its thresholds hold with probability at
        least ``1 - delta``. Larger values make the walk greedier.
    g : int, default=4
        Compress++'s oversampling parameter: Compress keeps ``2^g n_components``
        points before the final KT. Larger g is slower and closer to KT. Where
        ``2^(g+1) n_components`` exceeds n and the Gram matrix of X does not fit
        ``working_memory``, g is lowered so the cost stays near-linear.
    backend : str, default="auto"
        Backend of the kernel products ("auto", "numpy", "numba", "keops", "cupy",
        "dask"); see :class:`skkernel.KernelOperator`.
    random_state : int, RandomState instance or None, default=None
        Seeds KT-SPLIT's random signs and Compress's symmetrisation.

    Attributes
    ----------
    indices_ : ndarray of int of shape (n_components,)
        Rows of X in the coreset, sorted.
    coreset_ : ndarray of shape (n_components, n_features)
        ``X[indices_]``.
    n_components_ : int
        The coreset size used.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    See Also
    --------
    skkernel.thinning.mmd : the MMD between X and a subsample.
    skkernel.Nystroem : ``sampling="kernel-thinning"`` uses this coreset as landmarks.

    References
    ----------
    R. Dwivedi, L. Mackey. Kernel Thinning. COLT 2021.
    R. Dwivedi, L. Mackey. Generalized Kernel Thinning. ICLR 2022.
    A. Shetty, R. Dwivedi, L. Mackey. Distribution Compression in Near-linear Time.
    ICLR 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skkernel import KernelThinning
    >>> from skkernel.thinning import mmd
    >>> X = np.random.default_rng(0).normal(size=(4096, 2))
    >>> kt = KernelThinning(gamma=0.5, random_state=0).fit(X)
    >>> kt.coreset_.shape
    (64, 2)
    >>> iid = np.random.default_rng(1).choice(4096, 64, replace=False)
    >>> bool(kt.mmd(X) < 0.5 * mmd(X, iid, gamma=0.5))
    True
    """

    _parameter_constraints = {
        "kernel": [str, callable],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "degree": [Interval(Real, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "kernel_params": [dict, None],
        "n_components": [StrOptions({"sqrt"}), Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions(set(METHODS))],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "g": [Interval(Integral, 0, None, closed="left")],
        "backend": [StrOptions({"auto", *BACKEND_NAMES})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        kernel="rbf",
        *,
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        n_components="sqrt",
        method="compress++",
        delta=0.5,
        g=4,
        backend="auto",
        random_state=None,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_components = n_components
        self.method = method
        self.delta = delta
        self.g = g
        self.backend = backend
        self.random_state = random_state

    def fit(self, X, y=None):
        """Choose the coreset.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64)
        size = _resolve_size(self.n_components, X.shape[0])
        self.indices_ = thinning_indices(
            kernel_from_params(self),
            X,
            size,
            method=self.method,
            delta=self.delta,
            g=self.g,
            backend=self.backend,
            random_state=self.random_state,
        )
        self.coreset_ = X[self.indices_]
        self.n_components_ = size
        return self

    def fit_resample(self, X, y):
        """Fit, and return the coreset rows of X and y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        X_resampled : array-like of shape (n_components, n_features)
            ``X[indices_]``, in the container type of X (DataFrames stay DataFrames).
        y_resampled : array-like of shape (n_components,) or (n_components, n_outputs)
        """
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}.")
        self.fit(X)
        return _safe_indexing(X, self.indices_), _safe_indexing(y, self.indices_)

    def mmd(self, X, indices=None):
        """MMD, in this estimator's kernel, between X and ``X[indices]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Usually the data the coreset was fitted on.
        indices : array-like of int, default=None
            None means the fitted ``indices_``.

        Returns
        -------
        mmd : float
        """
        check_is_fitted(self)
        return mmd(
            X,
            self.indices_ if indices is None else indices,
            kernel=kernel_from_params(self),
            backend=self.backend,
        )

"""The base kernel of spectrally transformed kernel regression, over the fitted rows.

A base affinity ``w(x, x')`` (a skkernel kernel, the shared-nearest-neighbour graph,
or a precomputed matrix) becomes the STKR base kernel

    K(x, x') = N sigma(x) w(x, x') sigma(x'),

with ``sigma(x) = d(x)^-1/2``, ``d(x) = sum_j w(x, x_j)`` over the N fitted rows
(``normalize="symmetric"``: the top eigenvalue of G / N is then exactly 1 for
non-negative w), or ``sigma = N^-1/2`` (``normalize="none"``: K = w). The spectral
transform acts on ``T = G / N = diag(sigma) W diag(sigma)``.

Each affinity gives: products ``W @ V`` over the fitted rows, the dense W for small
N, and rows ``w(X_new, X_fit) @ V`` for new points, computed for the fitted rows by
the same code that computes them for new points (so that predicting the fitted rows
reproduces the transductive values exactly).
"""

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator
from sklearn.utils import gen_batches
from sklearn.utils._chunking import get_chunk_n_rows

from .._centers import select_centers
from .._init_params import store_init_params
from .._linalg import jittered_cholesky, symmetrize
from .._memory import check_dense_fits
from .._operator import KernelOperator
from ._neighbors import make_neighbors

__all__ = ["KernelAffinity", "NeighborAffinity", "NystroemAffinity", "PrecomputedAffinity"]

#: The dense paths (solver="direct", and eigen_solver="dense" of the kpca transform)
#: and what to use instead when their matrices do not fit.
_DENSE_PATH = "solver='direct' (or eigen_solver='dense')"
_TOO_LARGE = (
    "Use solver='cg' and an iterative eigen_solver ('auto'), which only multiply by "
    "the kernel matrix."
)

#: The least weight of an edge of the kNN kernel, relative to a zero-length edge. A
#: row far from its neighbours (an outlier) would otherwise keep only its own
#: self-edge: a component of its own, whose eigenvalue near 1 takes kernel PCA's
#: components (on two moons with 20 outliers, kernel PCA fell from 99.9 % to 50 %
#: without this floor; see ``benchmarks/semi_supervised.py --part weights``).
MIN_EDGE_WEIGHT = 0.01

#: M x M arrays alive at once while NystroemAffinity fits, with a margin (measured
#: 4.0 by tracemalloc at N = 8,000, M = 1,500; see its fit).
_LANDMARK_MATRICES = 5


class _Affinity:
    """Interface: ``fit(X)``, ``matmat(V)``, ``dense()``, ``prepare(V)``,
    ``rows_matmat(X_new, prepared)`` and ``fitted_rows_matmat(prepared)``."""

    def dense(self, count=1, workspace=0):
        """W as a new float64 array, after checking that ``count`` arrays of its size
        and ``workspace`` bytes beside them (what its user allocates) fit in memory."""
        n = self.n_rows
        check_dense_fits(
            n,
            n,
            np.float64,
            what=_DENSE_PATH,
            instead=_TOO_LARGE,
            count=count,
            workspace=workspace,
        )
        return self._dense()

    def degrees(self):
        """``d = W @ 1`` over the fitted rows."""
        return self.matmat(np.ones((self.n_rows, 1)))[:, 0]

    def prepare(self, V):
        """What :meth:`rows_matmat` needs to compute ``w(X_new, X_fit) @ V``."""
        return V


class KernelAffinity(_Affinity):
    """A skkernel kernel; products through :class:`~skkernel.KernelOperator`."""

    def __init__(self, kernel, backend="auto"):
        self.kernel = kernel
        self.backend = backend

    def fit(self, X):
        self.X_ = X
        self.n_rows = X.shape[0]
        return self

    @property
    def _operator(self):
        # Built when first used and not pickled: a backend holds modules and device data.
        if self.__dict__.get("_operator_cache") is None:
            self._operator_cache = KernelOperator(self.kernel, self.X_, backend=self.backend)
        return self._operator_cache

    def __getstate__(self):
        return {**self.__dict__, "_operator_cache": None}

    def matmat(self, V):
        return np.asarray(self._operator @ V, dtype=np.float64)

    def _dense(self):
        return np.asarray(self._operator.gram(), dtype=np.float64)

    def rows_matmat(self, X, prepared):
        operator = KernelOperator(self.kernel, X, self.X_, backend=self.backend)
        return np.asarray(operator @ prepared, dtype=np.float64)

    def fitted_rows_matmat(self, prepared):
        return self.rows_matmat(self.X_, prepared)


class PrecomputedAffinity(_Affinity):
    """A precomputed affinity matrix: X in fit is ``w(X_fit, X_fit)``, X in predict
    ``w(X_new, X_fit)``."""

    def fit(self, X):
        self.W_ = X
        self.n_rows = X.shape[0]
        return self

    def matmat(self, V):
        return self.W_ @ V

    def _dense(self):
        return np.array(self.W_, dtype=np.float64)

    def rows_matmat(self, X, prepared):
        return X @ prepared

    def fitted_rows_matmat(self, prepared):
        return self.rows_matmat(self.W_, prepared)


class NeighborAffinity(_Affinity):
    """Shared nearest neighbours, weighted by distance:
    ``w(x, x') = sum_l a_l(x) a_l(x')``.

    ``a_l(x) = max(exp(-gamma ||x - x_l||^2), MIN_EDGE_WEIGHT)`` for the k fitted rows
    x_l nearest to x (a fitted row is its own first neighbour), 0 for the others.
    With A the N x N matrix of the fitted rows' ``a``, ``W = A A^T``: positive
    semi-definite (a Gram matrix of the rows of A), products cost O(N k) (two sparse
    products), and a new point's row is ``a(x) A^T`` with ``a(x)`` from its own k
    nearest fitted rows, one neighbour query away. ``gamma=0`` weights every edge 1:
    ``w`` is then the number of shared neighbours. The neighbours are exact
    (scikit-learn's ``NearestNeighbors`` with ``algorithm``) or, with
    ``algorithm="nndescent"``, approximate (see :mod:`._neighbors`). The weights are
    computed as ``exp(-(d / length_scale_)^2)``, ``length_scale_ = gamma^-1/2`` (inf
    for gamma=0); ``gamma=None`` makes it r, the median of the positive distances
    from a fitted row to its k-th nearest (inf if there are none).
    """

    def __init__(self, n_neighbors, gamma=None, n_jobs=None, algorithm="auto", random_state=None):
        store_init_params(self, locals())

    def fit(self, X):
        if self.n_neighbors > X.shape[0]:
            n = X.shape[0]
            raise ValueError(
                f"n_neighbors={self.n_neighbors} needs at least that many samples; got {n} "
                f"sample{'s' if n != 1 else ''}. Lower n_neighbors."
            )
        self.n_rows = X.shape[0]
        self.neighbors_ = make_neighbors(
            self.algorithm, self.n_neighbors, n_jobs=self.n_jobs, random_state=self.random_state
        )
        self.neighbors_.fit(X)
        # Passing X makes every row its own first neighbour (as LabelSpreading's graph).
        distances, indices = self.neighbors_.kneighbors(X)
        if self.gamma is not None:
            gamma = float(self.gamma)
            self.length_scale_ = 1.0 / np.sqrt(gamma) if gamma > 0 else np.inf
        else:
            # The median over rows with a positive k-th distance: rows with k - 1
            # exact duplicates would otherwise pull the scale to 0.
            radii = distances[:, -1]
            radii = radii[radii > 0]
            self.length_scale_ = float(np.median(radii)) if radii.size else np.inf
        self.A_ = self._weighted_graph(distances, indices)
        self.At_ = self.A_.T.tocsr()
        return self

    def __setstate__(self, state):
        # Models pickled before the edges were weighted hold the unweighted graph.
        if "A_" in state and "length_scale_" not in state:
            state = {**state, "gamma": 0.0, "length_scale_": np.inf}
        self.__dict__.update(state)

    def _weighted_graph(self, distances, indices):
        """The (n_queries, N) sparse matrix of ``a(x)`` from the neighbour search."""
        n, k = indices.shape
        if np.isinf(self.length_scale_):
            weights = np.ones(distances.shape)  # gamma = 0: every edge weighs 1
        else:
            # exp(-(d / l)^2), not exp(-gamma d^2): neither a tiny length scale nor a
            # huge distance is squared into inf * 0; exp(-inf) is a weight of 0.
            with np.errstate(over="ignore", under="ignore"):
                weights = np.exp(-np.square(distances / self.length_scale_))
            weights = np.maximum(weights, MIN_EDGE_WEIGHT)
        return sparse.csr_matrix(
            (weights.ravel(), indices.ravel(), np.arange(0, n * k + 1, k)),
            shape=(n, self.n_rows),
        )

    def _graph(self, X):
        return self._weighted_graph(*self.neighbors_.kneighbors(X))

    def matmat(self, V):
        return self.A_ @ (self.At_ @ V)

    def _dense(self):
        return (self.A_ @ self.At_).toarray()

    def prepare(self, V):
        return self.At_ @ V

    def rows_matmat(self, X, prepared):
        return self._graph(X) @ prepared

    def fitted_rows_matmat(self, prepared):
        return self.A_ @ prepared

    def unit_eigenpairs(self, sigma, n_wanted):
        """The eigenvalue 1 of ``T = D^-1/2 W D^-1/2``, once per connected component.

        ``T d^1/2 = d^1/2`` on each component of the graph (W is non-negative), so
        these eigenpairs are known exactly; Lanczos would find only one of them.
        Returns at most ``n_wanted`` (the components of largest degree first).
        """
        n_components, labels = connected_components(self.A_, directed=True, connection="weak")
        root_degrees = 1.0 / sigma
        mass = np.bincount(labels, weights=root_degrees**2, minlength=n_components)
        chosen = np.argsort(mass, kind="stable")[::-1][:n_wanted]
        V = np.zeros((self.n_rows, chosen.size))
        for j, component in enumerate(chosen):
            rows = labels == component
            V[rows, j] = root_degrees[rows] / np.sqrt(mass[component])
        return np.ones(chosen.size), V


class NystroemAffinity:
    """A skkernel kernel approximated on M landmarks: ``w ~ k(x, Z) K_ZZ^-1 k(Z, x')``.

    The spectrum of ``T = diag(sigma) C K_ZZ^-1 C^T diag(sigma)`` (C = K(X, Z)) is that
    of the M x M matrix ``B = L^-1 C^T diag(sigma^2) C L^-T`` (``K_ZZ = L L^T``), so
    every transform is evaluated on M eigenvalues, and C is streamed in blocks of rows:
    N x M is never stored. Degrees are those of the approximate kernel,
    ``d(x) = k(x, Z) g`` with ``g = K_ZZ^-1 C^T 1``.

    Parameters
    ----------
    kernel : Kernel
        The base kernel.
    n_landmarks : int
        M, at most N.
    symmetric : bool
        Symmetric normalisation (else sigma = N^-1/2).
    backend : str
        Backend of the kernel products.
    random_state : int, RandomState instance or None
        Chooses the landmarks (uniformly among the rows).
    """

    def __init__(self, kernel, n_landmarks, symmetric, backend="auto", random_state=None):
        store_init_params(self, locals())

    def fit(self, X):
        """Landmarks, degrees and the eigendecomposition of B (two passes over X)."""
        N = self.n_rows = X.shape[0]
        M = min(int(self.n_landmarks), N)
        # K_ZZ and its factor, then the factor, B, its next triangular solve (or the
        # eigenvectors) and a block's product beside them.
        check_dense_fits(
            M,
            M,
            np.float64,
            what=f"n_landmarks={M}",
            instead="Lower n_landmarks.",
            count=_LANDMARK_MATRICES,
        )
        indices, _ = select_centers(
            self.kernel,
            X,
            M,
            sampling="uniform",
            random_state=self.random_state,
            backend=self.backend,
        )
        self.landmarks_ = Z = X[np.sort(indices)]
        K_ZZ = np.asarray(KernelOperator(self.kernel, Z).gram(), dtype=np.float64)
        self.L_, _ = jittered_cholesky(symmetrize(K_ZZ))
        del K_ZZ
        operator = KernelOperator(self.kernel, X, Z, backend=self.backend)
        if self.symmetric:
            column_sums = np.asarray(operator.T @ np.ones(N), dtype=np.float64)
            self.g_ = self._solve_L_LT(column_sums)
        B = np.zeros((M, M))
        step = get_chunk_n_rows(row_bytes=2 * 8 * M, max_n_rows=N)
        for rows in gen_batches(N, step):
            C = np.asarray(operator.block(rows, slice(None)), dtype=np.float64)
            if self.symmetric:
                degrees = C @ self.g_
                _check_degrees(
                    degrees, "the Nystroem approximation of the kernel", _LANDMARKS_TOO_FAR
                )
                weights = 1.0 / degrees
            else:
                weights = np.full(C.shape[0], 1.0 / N)
            B += C.T @ (weights[:, None] * C)
        B = linalg.solve_triangular(self.L_, B, lower=True)
        B = linalg.solve_triangular(self.L_, B.T, lower=True)
        w, V = linalg.eigh(symmetrize(B), overwrite_a=True)
        self.eigenvalues_, self.V_ = w[::-1], V[:, ::-1]
        return self

    def _solve_L_LT(self, b):
        return linalg.cho_solve((self.L_, True), b)

    def _sigma(self, degrees):
        if not self.symmetric:
            return np.full(np.shape(degrees), self.n_rows**-0.5)
        return np.divide(1.0, np.sqrt(degrees), out=np.zeros(np.shape(degrees)), where=degrees > 0)

    def landmark_features(self, X_rows, columns):
        """``diag(sigma) k(X_rows, Z) L^-T V[:, columns]``: rows of T's eigenvectors
        ``U = F V mu^-1/2`` times ``mu^1/2``."""
        P = linalg.solve_triangular(self.L_, self.V_[:, columns], lower=True, trans="T")
        # One product with k(X_rows, Z), degrees included: the rows x M kernel block
        # is never formed (it was, whole, for every labelled row).
        return self.rows_matmat(X_rows, P)

    def coefficients(self, columns, weights):
        """Landmark coefficients ``c = L^-T V[:, columns] weights`` of
        ``f(x) = sigma(x) k(x, Z) c``."""
        return linalg.solve_triangular(
            self.L_, self.V_[:, columns] @ weights, lower=True, trans="T"
        )

    def rows_matmat(self, X, coef):
        """``sigma(x) k(x, Z) coef`` for the rows of X (one product, with degrees)."""
        operator = KernelOperator(self.kernel, X, self.landmarks_, backend=self.backend)
        columns = np.hstack([coef, self.g_[:, None]]) if self.symmetric else coef
        R = np.asarray(operator @ columns, dtype=np.float64)
        # Scaled in place: the rows can be all labelled rows times M directions.
        if not self.symmetric:
            R *= self.n_rows**-0.5
            return R
        scaled = R[:, :-1]
        scaled *= self._sigma(R[:, -1])[:, None]
        return scaled


_NON_NEGATIVE_KERNEL = (
    "Use a kernel with non-negative values (rbf, laplacian, matern, knn), or normalize='none'."
)
# A Nystroem degree is not positive where a row's kernel values to every landmark
# vanish (underflow far from them), even for a kernel with non-negative values.
_LANDMARKS_TOO_FAR = (
    "It happens to rows whose kernel values to every landmark vanish: use more landmarks "
    "(n_landmarks) or a smaller gamma, or normalize='none'."
)


def _check_degrees(degrees, what, remedy=_NON_NEGATIVE_KERNEL):
    if not np.all(degrees > 0):
        bad = int(np.sum(~(degrees > 0)))
        raise ValueError(
            f"normalize='symmetric' divides by the degrees d(x) = sum_j w(x, x_j), but "
            f"{bad} of them are not positive with {what}. {remedy}"
        )


def normalization(affinity, symmetric):
    """sigma over the fitted rows: ``d^-1/2`` (symmetric) or ``N^-1/2``."""
    N = affinity.n_rows
    if not symmetric:
        return np.full(N, N**-0.5)
    degrees = affinity.degrees()
    _check_degrees(degrees, "this kernel")
    return 1.0 / np.sqrt(degrees)


def normalized_operator(affinity, sigma):
    """``T = diag(sigma) W diag(sigma)`` as a LinearOperator over the fitted rows."""

    def matmat(V):
        return sigma[:, None] * affinity.matmat(sigma[:, None] * V)

    N = affinity.n_rows
    return LinearOperator(
        (N, N),
        matvec=lambda v: matmat(v.reshape(-1, 1)).ravel(),
        matmat=matmat,
        dtype=np.float64,
    )


def normalized_dense(affinity, sigma, count=1, workspace=0):
    """``T = diag(sigma) W diag(sigma)`` as an array (W scaled in place); ``count``
    arrays of its size and ``workspace`` bytes must fit in memory (T and what its user
    allocates beside it)."""
    T = affinity.dense(count, workspace)
    T *= sigma[:, None]
    T *= sigma[None, :]
    return symmetrize(T)

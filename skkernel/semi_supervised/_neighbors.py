"""Nearest neighbours for the kNN base kernel: exact (scikit-learn) or approximate.

An exact search costs most of a kNN fit at scale: scikit-learn's k-d tree on a
million rows of a 10-dimensional mixture takes more than ten minutes of one core.
Nearest-neighbour descent (Dong, Moses & Li, WWW 2011; the ``pynndescent`` package)
finds almost the same neighbours in well under a minute. Both are driven through
the one method the kNN kernel uses, ``kneighbors`` (distances and indices, as
scikit-learn returns them).
"""

import warnings

import numba
import numpy as np
from joblib import effective_n_jobs
from sklearn.neighbors import NearestNeighbors

__all__ = ["DescentNeighbors", "make_neighbors"]

#: Degree of the descent index's graph, at least: a search for k neighbours on a
#: graph of degree k misses more of them than on a wider one (pynndescent's own
#: default is 30).
_MIN_INDEX_DEGREE = 15


class DescentNeighbors:
    """Approximate k nearest neighbours by nearest-neighbour descent (pynndescent).

    The neighbours of the fitted rows come from the same search as those of new
    points (not from the descent graph itself), so that the fitted rows' graph is
    what predicting them again gives; the search is deterministic and answers each
    query independently of the others in its batch.

    The index built on several threads depends on their number (the descent's
    updates race), so a seeded index is built on one, as UMAP does: the same
    ``random_state`` then gives the same neighbours on every machine.

    Parameters
    ----------
    n_neighbors : int
        k.
    n_jobs : int or None
        Threads of the index construction (None: numba's default, -1: all; at most
        numba's thread count). One where ``random_state`` is set.
    random_state : int, RandomState instance or None
        Seeds the random projection trees and the descent.
    """

    def __init__(self, n_neighbors, n_jobs=None, random_state=None):
        self.n_neighbors = n_neighbors
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X):
        try:
            from pynndescent import NNDescent
        except ImportError as error:
            raise ImportError(
                "neighbors_algorithm='nndescent' needs the pynndescent package: "
                "pip install 'skkernel[neighbors]' (or pip install pynndescent)."
            ) from error
        except RuntimeError as error:
            # pynndescent compiles with numba's cache=True, which refuses to define
            # its functions where no cache folder is writable (a read-only install).
            raise RuntimeError(
                "pynndescent cannot be imported here: it caches its compiled code and "
                f"finds no writable folder for it ({error}). Set NUMBA_CACHE_DIR to a "
                "writable folder, or use neighbors_algorithm='auto'."
            ) from error
        degree = min(X.shape[0] - 1, max(self.n_neighbors, _MIN_INDEX_DEGREE))
        self.index_ = NNDescent(
            X,
            n_neighbors=max(degree, 2),
            random_state=self.random_state,
            n_jobs=self._index_threads(),
        )
        self.index_.prepare()
        self.n_samples_fit_ = X.shape[0]
        return self

    def _index_threads(self):
        if self.random_state is not None:
            if self.n_jobs not in (None, 1):
                warnings.warn(
                    f"n_jobs={self.n_jobs} is not used by the nearest-neighbour descent "
                    "when random_state is set: its index is built on one thread, the "
                    "only way it is reproducible. Set random_state=None to build it in "
                    "parallel.",
                    UserWarning,
                    stacklevel=2,
                )
            return 1
        # pynndescent sets numba's thread count to n_jobs, which numba refuses above
        # the count it started with (scikit-learn takes any n_jobs).
        if self.n_jobs is None:
            return None
        return min(effective_n_jobs(self.n_jobs), numba.config.NUMBA_NUM_THREADS)

    def kneighbors(self, X):
        """Distances to and indices of the k nearest fitted rows of each row of X,
        nearest first, each of shape (n_queries, k) (scikit-learn's order)."""
        indices, distances = self.index_.query(X, k=self.n_neighbors)
        if indices.size and indices.min() < 0:
            # pynndescent pads with -1 when its search found fewer than k rows.
            raise RuntimeError(
                "The nearest-neighbour descent search found fewer than "
                f"n_neighbors={self.n_neighbors} neighbours for some rows; use "
                "neighbors_algorithm='auto' (exact) for data this small."
            )
        return distances.astype(np.float64), indices.astype(np.intp, copy=False)


def make_neighbors(algorithm, n_neighbors, n_jobs=None, random_state=None):
    """An unfitted neighbour search: scikit-learn's ``NearestNeighbors`` for the
    exact algorithms ("auto", "ball_tree", "kd_tree", "brute"), or
    :class:`DescentNeighbors` for "nndescent"."""
    if algorithm == "nndescent":
        return DescentNeighbors(n_neighbors, n_jobs=n_jobs, random_state=random_state)
    return NearestNeighbors(n_neighbors=n_neighbors, algorithm=algorithm, n_jobs=n_jobs)

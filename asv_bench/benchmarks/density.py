"""Kernel density estimation: exact KDE against scikit-learn, the Laplacian dominance
sums against the direct sums, and the private releases.

Compare within one run (``asv run -E existing --quick`` then ``asv show``): the
machines are shared, so absolute times drift; ratios measured together do not.
"""

import numpy as np
from sklearn.neighbors import KernelDensity as SklearnKernelDensity

from skkernel.density import KernelDensity, PrivateKernelClassifier, PrivateKernelDensity

from . import added_memory

N_TRAIN, N_QUERIES = 20_000, 2_000


def _data(n_features):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_TRAIN, n_features))
    Y = np.random.default_rng(1).normal(size=(N_QUERIES, n_features))
    return X, Y


class ExactKDE:
    """score_samples of 2,000 queries against 20,000 points, Scott bandwidth."""

    params = (["skkernel", "sklearn rtol=0", "sklearn rtol=1e-4"], [2, 10])
    param_names = ["estimator", "n_features"]
    timeout = 600

    def setup(self, estimator, n_features):
        X, self.Y = _data(n_features)
        if estimator == "skkernel":
            self.kde = KernelDensity(bandwidth="scott").fit(X)
            self.kde.score_samples(self.Y[:10])  # compile outside the measurement
        else:
            rtol = 0.0 if estimator.endswith("=0") else 1e-4
            self.kde = SklearnKernelDensity(bandwidth="scott", rtol=rtol).fit(X)

    def time_score_samples(self, estimator, n_features):
        self.kde.score_samples(self.Y)

    track_added_memory_score_samples = added_memory("time_score_samples")


class LaplacianSums:
    """The Laplacian kernel exp(-|x - y|_1 / h): dominance sums against direct sums,
    all 20,000 points as queries."""

    params = (["auto", "brute"], [1, 2, 3])
    param_names = ["algorithm", "n_features"]
    timeout = 600

    def setup(self, algorithm, n_features):
        X, _ = _data(n_features)
        self.X = X
        self.kde = KernelDensity(kernel="laplacian", bandwidth="scott", algorithm=algorithm)
        self.kde.fit(X).score_samples(X[:3000])

    def time_score_samples(self, algorithm, n_features):
        self.kde.score_samples(self.X)


class PrivateRelease:
    """fit (the release) and 2,000 queries of the private density, and the private
    classifier on 10 classes."""

    params = ([100, 1000, 4000],)
    param_names = ["n_components"]

    def setup(self, n_components):
        self.X, self.Y = _data(2)
        self.y = np.arange(N_TRAIN) % 10
        self.kde = PrivateKernelDensity(
            0.2, epsilon=1.0, delta=1e-6, n_components=n_components, random_state=0
        ).fit(self.X)

    def time_fit_density(self, n_components):
        self.kde.fit(self.X)

    def time_query_density(self, n_components):
        self.kde.kernel_mean(self.Y)

    def time_fit_classifier(self, n_components):
        PrivateKernelClassifier(
            0.2, epsilon=1.0, n_components=n_components, classes=np.arange(10), random_state=0
        ).fit(self.X, self.y)

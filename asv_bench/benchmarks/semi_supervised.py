"""Spectrally transformed kernel regression next to scikit-learn's LabelSpreading.

Read the ratios within one run: STKR seconds and peak memory over LabelSpreading's on
the same data, with kNN graphs of the same n_neighbors.
"""

import numpy as np
from sklearn.semi_supervised import LabelSpreading

from skkernel import SpectralKernelClassifier

from . import added_memory

N = 50_000
N_LABELS = 500


def _mixture(n, d=10, n_classes=10, per_class=2, spread=1.5):
    """20 Gaussians in 10 dimensions, two per class; all but N_LABELS rows unlabelled."""
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=spread, size=(n_classes * per_class, d))
    component = rng.integers(0, len(centers), size=n)
    X = centers[component] + rng.normal(size=(n, d))
    y = np.full(n, -1)
    labeled = rng.choice(n, N_LABELS, replace=False)
    y[labeled] = component[labeled] % n_classes
    return X, y


def _model(method):
    if method == "LabelSpreading(knn)":
        return LabelSpreading(kernel="knn", n_neighbors=10)
    if method == "STKR kpca, Nystroem rbf":
        return SpectralKernelClassifier(
            kernel="rbf", gamma=0.05, spectral_transform="kpca", n_landmarks=500, random_state=0
        )
    # "STKR <transform>, knn[ nndescent]"
    transform = method.split()[1].rstrip(",")
    algorithm = "nndescent" if method.endswith("nndescent") else "auto"
    return SpectralKernelClassifier(
        spectral_transform=transform, neighbors_algorithm=algorithm, random_state=0
    )


class SemiSupervisedFit:
    """One fit on N = 50,000 rows with 500 labels."""

    params = (
        [
            "LabelSpreading(knn)",
            "STKR kpca, knn",
            "STKR kpca, knn nndescent",
            "STKR inverse_laplacian, knn",
            "STKR polynomial, knn",
            "STKR kpca, Nystroem rbf",
        ],
    )
    param_names = ["method"]
    timeout = 600

    def setup(self, method):
        self.X, self.y = _mixture(N)
        _model(method).fit(self.X[:2000], self.y[:2000])  # compile numba code

    def time_fit(self, method):
        _model(method).fit(self.X, self.y)

    track_added_memory_fit = added_memory("time_fit")

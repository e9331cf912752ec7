"""Nystroem kernel ridge (Falkon) next to sklearn's Nystroem + Ridge pipeline.

Compare within one run (``asv run -E existing --quick`` then ``asv show``): the ratios
skkernel / scikit-learn at the same n and M are what to read, not absolute seconds.
"""

import numpy as np
from sklearn.kernel_approximation import Nystroem as SklearnNystroem
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

from skkernel import Nystroem, NystroemRidge

from . import added_memory

N = 50_000
D = 20
M = 2000


def _data(n=N):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, D))
    y = np.sin(X[:, 0]) + np.cos(X[:, 1]) + 0.1 * rng.normal(size=n)
    return X, y


def _model(library, sampling="rls"):
    if library == "sklearn Nystroem + Ridge":
        return make_pipeline(
            SklearnNystroem(gamma=1.0 / D, n_components=M, random_state=0), Ridge(alpha=1.0)
        )
    # With an intercept, as the pipeline's Ridge fits one.
    return NystroemRidge(
        alpha=1.0,
        gamma=1.0 / D,
        n_components=M,
        sampling=sampling,
        fit_intercept=True,
        random_state=0,
    )


class NystroemRidgeFit:
    """One fit at n = 50,000, d = 20, M = 2,000 centers."""

    params = (["sklearn Nystroem + Ridge", "skkernel NystroemRidge"],)
    param_names = ["library"]
    timeout = 600

    def setup(self, library):
        self.X, self.y = _data()
        # Compile the numba kernels outside the measurement.
        NystroemRidge(n_components=20).fit(self.X[:200], self.y[:200])

    def time_fit(self, library):
        _model(library).fit(self.X, self.y)

    track_added_memory_fit = added_memory("time_fit")


class CenterSampling:
    """Choosing M = 2,000 centers among 50,000: uniform, leverage scores (BLESS)."""

    params = (["uniform", "rls"],)
    param_names = ["sampling"]
    timeout = 600

    def setup(self, sampling):
        self.X, _ = _data()

    def time_select(self, sampling):
        Nystroem(gamma=1.0 / D, n_components=M, sampling=sampling, random_state=0).fit(self.X)


class SequentialSampling:
    """INK-ESTIMATE's one pass over 5,000 rows. Its cost is set by its dictionary,
    oversampling x d_eff(alpha) rows (2,900 here), factored once per batch, not by
    n_components: at 50,000 rows and alpha = 1 it would take hours."""

    timeout = 600

    def setup(self):
        self.X, _ = _data(5000)
        Nystroem(gamma=1.0 / D, n_components=20, sampling="sequential").fit(self.X[:300])

    def time_select(self):
        Nystroem(gamma=1.0 / D, n_components=200, sampling="sequential", random_state=0).fit(self.X)

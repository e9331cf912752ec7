"""Kernel ridge next to scikit-learn: fit time and peak memory.

Compare within one run (``asv run -E existing --quick`` then ``asv show``): the
ratios skkernel / scikit-learn are what to read, not absolute seconds.
"""

import numpy as np
from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge

from skkernel import KernelRidge, KernelRidgeCV

from . import added_memory

N = 4000
D = 20
ALPHAS = np.logspace(-4, 2, 30)


def _data(n=N):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, D))
    y = np.sin(X[:, 0]) + np.cos(X[:, 1]) + 0.1 * rng.normal(size=n)
    return X, y


def _model(library):
    if library == "sklearn":
        return SklearnKernelRidge(alpha=1e-2, kernel="rbf", gamma=1.0 / D)
    return KernelRidge(alpha=1e-2, kernel="rbf", gamma=1.0 / D, solver="cholesky")


class KernelRidgeFit:
    """One exact fit, skkernel (Cholesky in place) against sklearn."""

    params = (["sklearn", "skkernel"],)
    param_names = ["library"]
    timeout = 300

    def setup(self, library):
        self.X, self.y = _data()

    def time_fit(self, library):
        _model(library).fit(self.X, self.y)

    track_added_memory_fit = added_memory("time_fit")


class KernelRidgeCVFit:
    """Choosing alpha among 30 by efficient leave-one-out, against one plain fit."""

    params = (["leave-one-out, 30 alphas", "one KernelRidge fit"],)
    param_names = ["method"]
    timeout = 600

    def setup(self, method):
        self.X, self.y = _data()

    def time_fit(self, method):
        if method == "one KernelRidge fit":
            _model("skkernel").fit(self.X, self.y)
        else:
            KernelRidgeCV(alphas=ALPHAS, kernel="rbf", gamma=1.0 / D).fit(self.X, self.y)

    track_added_memory_fit = added_memory("time_fit")


class ConjugateGradientFit:
    """Matrix-free CG with the Nystroem preconditioner, where K is never formed."""

    params = ([10_000, 20_000],)
    param_names = ["n"]
    timeout = 600

    def setup(self, n):
        self.X, self.y = _data(n)
        KernelRidge(kernel="rbf", solver="cg").fit(self.X[:100], self.y[:100])  # compile

    def time_fit(self, n):
        KernelRidge(alpha=1.0, kernel="rbf", gamma=1.0 / D, solver="cg", tol=1e-3).fit(
            self.X, self.y
        )

    track_added_memory_fit = added_memory("time_fit")

"""Kernel thinning: time and MMD of skkernel's coresets next to goodpoints'.

Read the ratios within one run: skkernel / goodpoints seconds for the same method,
and each coreset's MMD over the MMD of an iid subsample of the same size.
"""

import numpy as np

from skkernel import KernelThinning
from skkernel.thinning import mmd

N = 2**14


def _data(d):
    return np.random.default_rng(0).normal(size=(N, d))


def _goodpoints_compresspp(X, gamma):
    from goodpoints import compress

    return compress.compresspp_kt(X, b"gaussian", k_params=np.array([1.0 / gamma]), g=4, seed=0)


def _coreset(library, method, X, gamma):
    if library == "goodpoints":
        if method != "compress++":
            raise NotImplementedError("compared with goodpoints for Compress++ only")
        return _goodpoints_compresspp(X, gamma)
    return KernelThinning(gamma=gamma, method=method, random_state=0).fit(X).indices_


class Thinning:
    """sqrt(n) = 128 points out of n = 16,384 Gaussian points."""

    params = (["skkernel", "goodpoints"], ["compress++", "target-kt"], [2, 10])
    param_names = ["library", "method", "d"]
    timeout = 300

    def setup(self, library, method, d):
        if library == "goodpoints":
            try:
                import goodpoints  # noqa: F401
            except ImportError as exc:
                raise NotImplementedError("goodpoints is not installed") from exc
        self.X = _data(d)
        self.gamma = 1.0 / (2 * d)
        _coreset(library, method, self.X[:1024], self.gamma)  # compile numba code

    def time_fit(self, library, method, d):
        _coreset(library, method, self.X, self.gamma)

    def track_mmd_over_iid(self, library, method, d):
        indices = _coreset(library, method, self.X, self.gamma)
        rng = np.random.default_rng(1)
        draws = [rng.choice(N, indices.size, replace=False) for _ in range(10)]
        values = mmd(self.X, [indices, *draws], gamma=self.gamma)
        return float(values[0] / np.sqrt(np.mean(values[1:] ** 2)))

    track_mmd_over_iid.unit = "ratio"

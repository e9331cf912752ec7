"""Kernel-matrix products K(X, X) @ v per backend: time and peak memory.

Compare backends within one run (``asv run -E existing --quick`` then
``asv show``): the machines we run on are shared, so absolute times drift, ratios
between backends measured together do not.
"""

import numpy as np

from skkernel import KernelOperator, backend_status

from . import added_memory

N = 10_000


class KernelProducts:
    params = (["numpy", "numba", "keops"], [3, 50], ["float64", "float32"])
    param_names = ["backend", "n_features", "dtype"]
    timeout = 300

    def setup(self, backend, n_features, dtype):
        if backend_status()[backend] is not None:
            raise NotImplementedError(f"{backend} cannot run here")  # asv skips
        rng = np.random.default_rng(0)
        self.X = rng.normal(size=(N, n_features)).astype(dtype)
        self.v = rng.normal(size=N).astype(dtype)
        self.K = KernelOperator("rbf", self.X, backend=backend)
        self.K @ self.v  # compile (numba, KeOps) outside the measurement

    def time_matvec(self, backend, n_features, dtype):
        self.K @ self.v

    track_added_memory_matvec = added_memory("time_matvec")


class KernelFamilies:
    """Every accelerated family on the numba backend, d = 8, n = 10,000."""

    params = (["rbf", "laplacian", "matern", "polynomial", "linear", "cosine"],)
    param_names = ["kernel"]

    def setup(self, kernel):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(N, 8))
        self.v = rng.normal(size=(N, 4))
        self.K = KernelOperator(kernel, X, backend="numba")
        self.K @ self.v

    def time_matmat(self, kernel):
        self.K @ self.v

"""Random feature transforms: skkernel against sklearn's RBFSampler, and SORF against
dense projections. Read the ratios within one run (``asv show``), not absolute times.
"""

import numpy as np
from sklearn.kernel_approximation import RBFSampler

from skkernel import RandomFourierFeatures

from . import added_memory


class FourierTransform:
    """100,000 x 32 -> 2,048 features."""

    params = (["sklearn RBFSampler", "skkernel"], ["float64", "float32"])
    param_names = ["library", "dtype"]
    timeout = 300

    def setup(self, library, dtype):
        self.X = np.random.default_rng(0).normal(size=(100_000, 32)).astype(dtype)
        if library == "skkernel":
            self.model = RandomFourierFeatures(gamma=1 / 32, n_components=2048, random_state=0)
        else:
            self.model = RBFSampler(gamma=1 / 32, n_components=2048, random_state=0)
        self.model.fit(self.X)
        self.model.transform(self.X[:100])  # compile

    def time_transform(self, library, dtype):
        self.model.transform(self.X)

    track_added_memory_transform = added_memory("time_transform")


class StructuredProjection:
    """d = 512 -> 4,096 features: SORF's fast Walsh-Hadamard transform against the
    dense Gaussian projection."""

    params = (["iid", "orthogonal", "structured"],)
    param_names = ["method"]
    timeout = 300

    def setup(self, method):
        self.X = np.random.default_rng(0).normal(size=(5_000, 512))
        self.model = RandomFourierFeatures(n_components=4096, method=method, random_state=0)
        self.model.fit(self.X)
        self.model.transform(self.X[:100])

    def time_transform(self, method):
        self.model.transform(self.X)

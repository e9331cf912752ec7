"""CuPy backend: blocked kernel-matrix products on an NVIDIA GPU.

The data are copied to the GPU once, when the operator is built; each product moves
only V and the result (and nothing at all when V is already a CuPy array). Blocks of
K are built on the GPU with the closed forms in :mod:`._formulas` (cuBLAS GEMMs for
squared distances and dot products, direct differences for L1 and Euclidean
distances) and reduced against V with cuBLAS; block heights come from
``sklearn.get_config()["working_memory"]``.
"""

import numpy as np

from ._base import Backend
from ._formulas import kernel_block
from ._numpy import row_block_size


class _DeviceArray:
    """X on the device with its squared row norms."""

    def __init__(self, X, xp):
        self.X = xp.ascontiguousarray(xp.asarray(X))
        self.sq_norms = xp.einsum("ij,ij->i", self.X, self.X)
        self.shape = X.shape
        self.dtype = np.dtype(X.dtype)


class CuPyBackend(Backend):
    """Kernel products on a CUDA GPU with CuPy.

    Parameters
    ----------
    array_module : module, default=None
        The array module to run on; ``None`` means :mod:`cupy`. The tests pass
        :mod:`numpy` to check the block logic on machines without a GPU.
    """

    name = "cupy"
    install_hint = (
        "pip install 'skkernel[gpu]' (CuPy for CUDA 12 or 13) on a machine with an NVIDIA GPU"
    )

    def __init__(self, array_module=None):
        self.array_module = array_module

    @property
    def xp(self):
        if self.array_module is not None:
            return self.array_module
        import cupy

        return cupy

    def available(self):
        if self.array_module is not None:
            return None
        try:
            import cupy
        except ImportError as exc:
            return f"cupy cannot be imported ({exc}); {self.install_hint}"
        try:
            n_devices = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CUDA driver missing or broken: say what CuPy said.
            return f"CuPy cannot reach a CUDA device ({exc})"
        if n_devices == 0:
            return "no CUDA device is visible"
        return None

    def prepare(self, X, spec):
        return _DeviceArray(X, self.xp)

    def matmat(self, kernel, spec, X, Y, V):
        xp = self.xp
        on_host = isinstance(V, np.ndarray)
        V = xp.asarray(V, dtype=X.dtype)
        out = xp.empty((X.shape[0], V.shape[1]), dtype=X.dtype)
        step = row_block_size(X.shape[0], Y.shape[0], X.dtype.itemsize)
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            block = kernel_block(spec, X.X[rows], Y.X, xp, X.sq_norms[rows], Y.sq_norms)
            out[rows] = block @ V
        if on_host and xp is not np:
            return xp.asnumpy(out)
        return out

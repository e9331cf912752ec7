"""CuPy backend: blocked kernel-matrix products on an NVIDIA GPU.

The data are copied to the GPU once, when the operator is built; each product moves
only V and the result (and nothing at all when V is already a CuPy array). Blocks of
K are built on the GPU with the families' closed forms (``KernelSpec.dense``: cuBLAS
GEMMs for squared distances and dot products, direct differences for L1 and
Euclidean distances) and reduced against V with cuBLAS; block heights come from
``sklearn.get_config()["working_memory"]``. Log-sum-exp reductions run on the
same blocks of ``log K``.
"""

import functools

import numpy as np

from ._base import Backend, logsumexp_columns, row_block_size


class _DeviceArray:
    """X on the device with its row norms, and the host array it came from."""

    def __init__(self, X, spec, xp):
        self.host = X
        self.X = xp.ascontiguousarray(xp.asarray(X))
        self.norms = spec.row_norms(self.X, xp)
        self.shape = X.shape
        self.dtype = np.dtype(X.dtype)

    def rows(self, rows, spec, xp):
        """The rows ``rows`` (a slice) as a handle of their own, norms included."""
        part = _DeviceArray.__new__(_DeviceArray)
        part.host, part.X = self.host[rows], self.X[rows]
        part.norms = type(self.norms)(self.norms.sq[rows], self.dtype, xp)
        part.shape, part.dtype = part.X.shape, self.dtype
        return part


@functools.cache
def _device_status(install_hint):
    """None if CuPy imports and sees a CUDA device, else why not. Asked once per
    process: "auto" asks before every dense block, and a failed import searches the
    whole path each time (half a millisecond, a fifth of a small kernel-thinning fit)."""
    try:
        import cupy
    except ImportError as exc:
        return f"cupy cannot be imported ({exc}); {install_hint}"
    try:
        n_devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken: say what CuPy said.
        return f"CuPy cannot reach a CUDA device ({exc})"
    if n_devices == 0:
        return "no CUDA device is visible"
    return None


class CuPyBackend(Backend):
    """Kernel products on a CUDA GPU with CuPy.

    Parameters
    ----------
    array_module : module, default=None
        The array module to run on; ``None`` means :mod:`cupy`. The tests pass
        :mod:`numpy` to check the block logic on machines without a GPU.
    """

    name = "cupy"
    native_dense = True
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
        return _device_status(self.install_hint)

    def dense_is_fast(self, spec, dtype):
        return self.supports(spec) and self.array_module is None

    def prepare(self, X, spec):
        return _DeviceArray(X, spec, self.xp)

    def host(self, X):
        return X.host

    def _to_host(self, array):
        xp = self.xp
        return array if xp is np else xp.asnumpy(array)

    def _blocks(self, spec, X, Y):
        """(rows, block of K on the device) pairs covering K(X, Y)."""
        xp = self.xp
        step = row_block_size(X.shape[0], Y.shape[0], 8, spec.block_copies)
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            part = X.rows(rows, spec, xp)
            yield rows, spec.dense(part.X, Y.X, xp, part.norms, Y.norms)

    def matmat(self, spec, X, Y, V):
        xp = self.xp
        on_host = isinstance(V, np.ndarray)
        # A float64 operand of float32 data keeps its precision, as on the numpy
        # reference: the block is widened, the product summed in float64.
        dtype = np.result_type(X.dtype, V.dtype)
        V = xp.asarray(V, dtype=dtype)
        out = xp.empty((X.shape[0], V.shape[1]), dtype=dtype)
        for rows, block in self._blocks(spec, X, Y):
            out[rows] = block.astype(dtype, copy=False) @ V
        return self._to_host(out) if on_host else out

    def logsumexp(self, spec, X, Y, log_W):
        xp = self.xp
        log_W = xp.asarray(log_W, dtype=np.float64)
        out = xp.empty((X.shape[0], log_W.shape[1]), dtype=np.float64)
        step = row_block_size(X.shape[0], Y.shape[0], 8, n_temporaries=3)
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            part = X.rows(rows, spec, xp)
            L = spec.log_dense(part.X, Y.X, xp, part.norms, Y.norms)
            out[rows] = logsumexp_columns(L, log_W, xp)
        return self._to_host(out)

    def dense_path(self, spec, X, Y, values):
        """The family's path on the GPU (one block of the whole X at a time)."""
        for params, K in spec.dense_path(X.X, Y.X, values, self.xp, X.norms, Y.norms):
            yield params, self._to_host(K)

    def dense(self, spec, X, Y, out=None):
        K = np.empty((X.shape[0], Y.shape[0]), dtype=X.dtype) if out is None else out
        for rows, block in self._blocks(spec, X, Y):
            K[rows] = self._to_host(block)
        return K

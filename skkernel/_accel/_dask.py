"""Dask backend: kernel products with the rows of X spread over a dask.distributed cluster.

X is cut into row blocks that are scattered to the workers once, when the operator
is built. ``K(X, Y) @ V`` runs one task per block, each computing
``K(X_block, Y) @ V`` with the best backend on its worker (numba, or CuPy on a GPU
worker), and stacks the results. ``K(X, Y).T @ W`` is a sum over the blocks of
``K(Y, X_block) @ W_block``, reduced on the cluster. Y and V are broadcast to every
worker, so each worker needs memory for its blocks of X, all of Y, and one block of
the result. Log-sum-exp reductions split the same way as ``K(X, Y) @ V``.
"""

import numpy as np

from ._base import Backend


def _local_backend(spec):
    from . import resolve_backend

    return resolve_backend("auto", spec)


def _local_matmat(spec, X, Y, V):
    """Runs on a worker: one product with the best backend the worker has."""
    backend = _local_backend(spec)
    return backend.matmat(spec, backend.prepare(X, spec), backend.prepare(Y, spec), V)


def _local_normal_matmat(spec, X, Y, V, weights):
    """Runs on a worker: K(X_block, Y)^T diag(w) K(X_block, Y) V, one pass over the block."""
    backend = _local_backend(spec)
    prepared_X, prepared_Y = backend.prepare(X, spec), backend.prepare(Y, spec)
    return backend.normal_matmat(spec, prepared_X, prepared_Y, V, weights)


def _local_logsumexp(spec, X, Y, log_W):
    """Runs on a worker: the log-sum-exp reduction of K(X_block, Y)."""
    backend = _local_backend(spec)
    if not backend.supports_log(spec):
        from . import get_backend

        backend = get_backend("numpy")
    return backend.logsumexp(spec, backend.prepare(X, spec), backend.prepare(Y, spec), log_W)


def _local_dense(spec, X, Y):
    """Runs on a worker: the dense block K(X_block, Y)."""
    from . import resolve_dense_backend

    backend = resolve_dense_backend("auto", spec, X.dtype)
    return backend.dense(spec, backend.prepare(X, spec), backend.prepare(Y, spec))


def _sum(*arrays):
    return np.sum(arrays, axis=0)


class _Distributed:
    """Row blocks of X held by the workers, plus (lazily) a broadcast copy of all of X."""

    def __init__(self, client, X, n_blocks):
        self.client = client
        self.shape = X.shape
        self.dtype = X.dtype
        self.bounds = np.linspace(0, X.shape[0], n_blocks + 1).astype(int)
        self.blocks = client.scatter(
            [X[a:b] for a, b in zip(self.bounds[:-1], self.bounds[1:], strict=True)], hash=False
        )
        self.host = X
        self._whole = None

    @property
    def whole(self):
        """All of X on every worker: what a product needs when X plays the role of Y."""
        if self._whole is None:
            self._whole = self.client.scatter(self.host, broadcast=True, hash=False)
        return self._whole

    def split(self, array):
        """An array with one entry per row of X, scattered in X's row blocks."""
        return self.client.scatter(
            [array[a:b] for a, b in zip(self.bounds[:-1], self.bounds[1:], strict=True)],
            hash=False,
        )


class DaskBackend(Backend):
    """Kernel products on the active :class:`dask.distributed.Client`.

    Parameters
    ----------
    blocks_per_worker : int, default=2
        Row blocks of X per worker, so the scheduler can balance the load.
    """

    name = "dask"
    native_dense = True
    install_hint = "pip install 'skkernel[dask]'"

    def __init__(self, blocks_per_worker=2):
        self.blocks_per_worker = blocks_per_worker

    def _client(self):
        from distributed import get_client

        return get_client()

    def available(self):
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            return f"dask.distributed cannot be imported ({exc}); {self.install_hint}"
        try:
            self._client()
        except ValueError:
            return (
                "no dask.distributed Client is active; create one first, e.g. "
                "Client('scheduler-address:8786') or Client(LocalCluster())"
            )
        return None

    def supports(self, spec):
        return True

    def prepare(self, X, spec):
        client = self._client()
        n_workers = max(1, len(client.scheduler_info()["workers"]))
        n_blocks = min(X.shape[0], self.blocks_per_worker * n_workers)
        return _Distributed(client, X, n_blocks)

    def host(self, X):
        return X.host

    def matmat(self, spec, X, Y, V):
        client = X.client
        V_remote = client.scatter(np.asarray(V), broadcast=True, hash=False)
        futures = [
            client.submit(_local_matmat, spec, block, Y.whole, V_remote, pure=False)
            for block in X.blocks
        ]
        return np.vstack(client.gather(futures))

    def rmatmat(self, spec, X, Y, W):
        client = X.client
        pieces = X.split(np.asarray(W))
        partials = [
            client.submit(_local_matmat, spec, Y.whole, block, piece, pure=False)
            for block, piece in zip(X.blocks, pieces, strict=True)
        ]
        return client.submit(_sum, *partials, pure=False).result()

    def normal_matmat(self, spec, X, Y, V, weights=None):
        # One task per block of X computes its whole contribution; only m x k partial
        # results travel back, and they are summed on the cluster.
        client = X.client
        V_remote = client.scatter(np.asarray(V), broadcast=True, hash=False)
        pieces = [None] * len(X.blocks) if weights is None else X.split(np.asarray(weights))
        partials = [
            client.submit(_local_normal_matmat, spec, block, Y.whole, V_remote, piece, pure=False)
            for block, piece in zip(X.blocks, pieces, strict=True)
        ]
        return client.submit(_sum, *partials, pure=False).result()

    def logsumexp(self, spec, X, Y, log_W):
        client = X.client
        log_W = client.scatter(np.asarray(log_W), broadcast=True, hash=False)
        futures = [
            client.submit(_local_logsumexp, spec, block, Y.whole, log_W, pure=False)
            for block in X.blocks
        ]
        return np.vstack(client.gather(futures))

    def dense(self, spec, X, Y, out=None):
        futures = [
            X.client.submit(_local_dense, spec, block, Y.whole, pure=False) for block in X.blocks
        ]
        K = np.empty(X.shape[:1] + Y.shape[:1], dtype=X.dtype) if out is None else out
        for (a, b), block in zip(
            zip(X.bounds[:-1], X.bounds[1:], strict=True), X.client.gather(futures), strict=True
        ):
            K[a:b] = block
        return K

"""Dask backend: kernel products with the rows of X spread over a dask.distributed cluster.

X is cut into row blocks that are scattered to the workers once, when the operator
is built. ``K(X, Y) @ V`` runs one task per block, each computing
``K(X_block, Y) @ V`` with the best backend on its worker (numba, or CuPy on a GPU
worker), and stacks the results. ``K(X, Y).T @ W`` is a sum over the blocks of
``K(Y, X_block) @ W_block``, reduced on the cluster. Y and V are broadcast to every
worker, so each worker needs memory for its blocks of X, all of Y, and one block of
the result.
"""

import numpy as np

from ._base import Backend


def _local_matmat(kernel, spec, X, Y, V):
    """Runs on a worker: one product with the best backend the worker has."""
    from . import resolve_backend

    backend = resolve_backend("auto", spec)
    return backend.matmat(kernel, spec, backend.prepare(X, spec), backend.prepare(Y, spec), V)


def _local_normal_matmat(kernel, spec, X, Y, V, weights):
    """Runs on a worker: K(X_block, Y)^T diag(w) K(X_block, Y) V, one pass over the block."""
    from . import resolve_backend

    backend = resolve_backend("auto", spec)
    prepared_X, prepared_Y = backend.prepare(X, spec), backend.prepare(Y, spec)
    return backend.normal_matmat(kernel, spec, prepared_X, prepared_Y, V, weights)


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
        self._host = X
        self._whole = None

    @property
    def whole(self):
        """All of X on every worker: what a product needs when X plays the role of Y."""
        if self._whole is None:
            self._whole = self.client.scatter(self._host, broadcast=True, hash=False)
        return self._whole


class DaskBackend(Backend):
    """Kernel products on the active :class:`dask.distributed.Client`.

    Parameters
    ----------
    blocks_per_worker : int, default=2
        Row blocks of X per worker, so the scheduler can balance the load.
    """

    name = "dask"
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

    def matmat(self, kernel, spec, X, Y, V):
        client = X.client
        V_remote = client.scatter(np.asarray(V), broadcast=True, hash=False)
        futures = [
            client.submit(_local_matmat, kernel, spec, block, Y.whole, V_remote, pure=False)
            for block in X.blocks
        ]
        return np.vstack(client.gather(futures))

    def rmatmat(self, kernel, spec, X, Y, W):
        client = X.client
        W = np.asarray(W)
        pieces = client.scatter(
            [W[a:b] for a, b in zip(X.bounds[:-1], X.bounds[1:], strict=True)], hash=False
        )
        partials = [
            client.submit(_local_matmat, kernel, spec, Y.whole, block, piece, pure=False)
            for block, piece in zip(X.blocks, pieces, strict=True)
        ]
        return client.submit(_sum, *partials, pure=False).result()

    def normal_matmat(self, kernel, spec, X, Y, V, weights=None):
        # One task per block of X computes its whole contribution; only m x k partial
        # results travel back, and they are summed on the cluster.
        client = X.client
        V_remote = client.scatter(np.asarray(V), broadcast=True, hash=False)
        if weights is None:
            pieces = [None] * len(X.blocks)
        else:
            weights = np.asarray(weights)
            pieces = client.scatter(
                [weights[a:b] for a, b in zip(X.bounds[:-1], X.bounds[1:], strict=True)],
                hash=False,
            )
        partials = [
            client.submit(
                _local_normal_matmat, kernel, spec, block, Y.whole, V_remote, piece, pure=False
            )
            for block, piece in zip(X.blocks, pieces, strict=True)
        ]
        return client.submit(_sum, *partials, pure=False).result()

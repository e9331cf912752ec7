"""Dask backend: kernel products with the rows of X spread over a dask.distributed cluster.

X is cut into row blocks that are scattered to the workers once, when the operator
is built. ``K(X, Y) @ V`` runs one task per block, each computing
``K(X_block, Y) @ V`` with the best backend on its worker (numba, or CuPy on a GPU
worker), and stacks the results. ``K(X, Y).T @ W`` is a sum over the blocks of
``K(Y, X_block) @ W_block``, reduced on the cluster. Y and V are sent to one worker
and copied from there by the workers whose tasks need them (not broadcast: a
broadcast waits on every worker the scheduler lists, a dead one included), so each
worker needs memory for its blocks of X, all of Y, and one block of the result.
Log-sum-exp reductions split the same way as ``K(X, Y) @ V``.

A cluster is chosen for its resilience, so a lost worker does not end a fit: Dask
recomputes the tasks it can, and the data only the client has (the scattered blocks
of X) are sent again from the client's copy before the operation is retried. Where it
cannot go on (no worker left, the client closed), the error says so and names the
lost workers.
"""

import asyncio
import time

import numpy as np

from ._base import Backend

#: Attempts of one operation after losing workers.
_RETRIES = 3


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


def _in_working_memory(working_memory, local, *args):
    """Runs on a worker: ``local(*args)`` under the client's ``working_memory``.

    scikit-learn's configuration is per thread, so a worker's blocks would otherwise
    follow its own default (1024 MiB), not the limit the caller set.
    """
    from sklearn import config_context

    with config_context(working_memory=working_memory):
        return local(*args)


def _submit(client, local, *args):
    """``client.submit`` of a local computation, carrying the caller's working_memory."""
    from sklearn import get_config

    working_memory = get_config()["working_memory"]
    return client.submit(_in_working_memory, working_memory, local, *args, pure=False)


def _lost_data_errors():
    """The exceptions with which distributed reports data or workers that are gone."""
    import concurrent.futures

    from distributed import KilledWorker
    from distributed.client import FutureCancelledError
    from distributed.comm import CommClosedError

    return (
        concurrent.futures.CancelledError,
        FutureCancelledError,
        KilledWorker,
        CommClosedError,
        TimeoutError,
    )


#: Seconds a scatter may wait for a worker before the worker counts as lost.
_SCATTER_TIMEOUT = 60

#: Seconds to wait for a worker where the cluster has none: a nanny restarts a killed
#: worker within a few, and workers started beside the client join within a few.
_WORKER_GRACE = 10


class DaskUnavailableError(RuntimeError):
    """The Dask client or cluster cannot run the operation any more."""


def _check_running(client):
    if client.status != "running":
        raise DaskUnavailableError(
            f"The dask.distributed Client is {client.status}: the kernel operator was "
            "built on it and cannot run without it. Start a new Client and build the "
            "estimator's operator again (fit again)."
        )


def _alive_workers(client, lost=(), error=None):
    """The cluster's workers, after waiting up to ``_WORKER_GRACE`` seconds for one
    where it has none; a clear error when none comes (a scatter would otherwise wait
    ``_SCATTER_TIMEOUT`` seconds per attempt, then blame lost workers)."""
    alive = set(client.scheduler_info()["workers"])
    if alive:
        return alive
    try:
        client.wait_for_workers(1, timeout=_WORKER_GRACE)
    except (TimeoutError, asyncio.TimeoutError):  # one class from Python 3.11
        if lost:
            gone = f"Every Dask worker is gone (lost: {', '.join(lost)})"
        else:
            gone = "The Dask cluster has no worker"
        raise DaskUnavailableError(
            f"{gone}, and none joined within {_WORKER_GRACE} s: the cluster cannot run "
            "the kernel products. Start workers (or check that they reach the "
            "scheduler) and fit again."
        ) from error
    return set(client.scheduler_info()["workers"])


def _with_retries(client, operation, recover):
    """Run ``operation()``; when workers or their data are lost, wait for the scheduler
    to notice, call ``recover(error)`` (which sends lost data again and returns the
    names of the lost workers) and retry, at most ``_RETRIES`` times."""
    lost, error = [], None
    for attempt in range(_RETRIES + 1):
        _check_running(client)
        try:
            if error is not None:
                time.sleep(0.5 * attempt)
                lost += recover(error)
            return operation()
        except _lost_data_errors() as lost_error:
            error = lost_error
    raise DaskUnavailableError(
        f"Dask workers keep being lost ({', '.join(sorted(set(lost))) or 'unknown'}); "
        f"gave up after {_RETRIES} retries of a kernel operation."
    ) from error


class _Distributed:
    """Row blocks of X held by the workers, plus (lazily) one copy of all of X,
    and the client's own copy of X from which both are sent again when workers are lost."""

    def __init__(self, client, X, n_blocks):
        self.client = client
        self.shape = X.shape
        self.dtype = X.dtype
        self.host = X
        self.bounds = np.linspace(0, X.shape[0], n_blocks + 1).astype(int)
        # A worker lost a moment before (the scheduler has not noticed yet) fails the
        # first scatter too: it is retried as any operation is.
        _with_retries(client, self._scatter, lambda error: [])

    def _scatter(self):
        _check_running(self.client)
        self.workers = _alive_workers(self.client)
        self.blocks = self.split(self.host)
        self._whole = None

    @property
    def whole(self):
        """All of X on the cluster: what a product needs when X plays the role of Y."""
        if self._whole is None:
            self._whole = self.send(self.host)
        return self._whole

    def send(self, data):
        """Scatter data to the cluster (a list: one future per item)."""
        return self.client.scatter(data, hash=False, timeout=_SCATTER_TIMEOUT)

    def split(self, array):
        """An array with one entry per row of X, scattered in X's row blocks."""
        return self.send(
            [array[a:b] for a, b in zip(self.bounds[:-1], self.bounds[1:], strict=True)]
        )

    def recover(self, error):
        """Send the data again after losing workers; raise if nothing is left to use."""
        _check_running(self.client)
        lost = sorted(self.workers - set(self.client.scheduler_info()["workers"]))
        _alive_workers(self.client, lost or ["unknown"], error)
        self._scatter()
        return lost


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
            client = self._client()
        except ValueError:
            return (
                "no dask.distributed Client is active; create one first, e.g. "
                "Client('scheduler-address:8786') or Client(LocalCluster())"
            )
        if client.status != "running":
            return f"the active dask.distributed Client is {client.status}; start a new one"
        return None

    def supports(self, spec):
        return True

    def prepare(self, X, spec):
        client = self._client()
        _check_running(client)
        n_workers = max(1, len(client.scheduler_info()["workers"]))
        n_blocks = min(X.shape[0], self.blocks_per_worker * n_workers)
        return _Distributed(client, X, n_blocks)

    def host(self, X):
        return X.host

    @staticmethod
    def _resilient(operation, *handles):
        """Run ``operation()``; after losing workers, send the handles' data again and
        retry; say which workers were lost when it cannot go on."""

        def recover(error):
            # X and Y may be one handle.
            return [name for handle in dict.fromkeys(handles) for name in handle.recover(error)]

        return _with_retries(handles[0].client, operation, recover)

    def _stack_row_blocks(self, local, spec, X, Y, right):
        """``local(spec, block, Y, right)`` on every block of rows of X, on the
        cluster, stacked in order; ``right`` (n_samples_Y x k) is sent once."""

        def stacked():
            right_remote = X.send(np.asarray(right))
            futures = [
                _submit(X.client, local, spec, block, Y.whole, right_remote) for block in X.blocks
            ]
            return np.vstack(X.client.gather(futures))

        return self._resilient(stacked, X, Y)

    def matmat(self, spec, X, Y, V):
        return self._stack_row_blocks(_local_matmat, spec, X, Y, V)

    def rmatmat(self, spec, X, Y, W):
        def product():
            client = X.client
            pieces = X.split(np.asarray(W))
            partials = [
                _submit(client, _local_matmat, spec, Y.whole, block, piece)
                for block, piece in zip(X.blocks, pieces, strict=True)
            ]
            return client.submit(_sum, *partials, pure=False).result()

        return self._resilient(product, X, Y)

    def normal_matmat(self, spec, X, Y, V, weights=None):
        # One task per block of X computes its whole contribution; only m x k partial
        # results travel back, and they are summed on the cluster.
        def product():
            client = X.client
            V_remote = X.send(np.asarray(V))
            pieces = [None] * len(X.blocks) if weights is None else X.split(np.asarray(weights))
            partials = [
                _submit(client, _local_normal_matmat, spec, block, Y.whole, V_remote, piece)
                for block, piece in zip(X.blocks, pieces, strict=True)
            ]
            return client.submit(_sum, *partials, pure=False).result()

        return self._resilient(product, X, Y)

    def logsumexp(self, spec, X, Y, log_W):
        return self._stack_row_blocks(_local_logsumexp, spec, X, Y, log_W)

    def dense(self, spec, X, Y, out=None):
        from distributed import as_completed

        K = np.empty(X.shape[:1] + Y.shape[:1], dtype=X.dtype) if out is None else out

        def fill():
            bounds = zip(X.bounds[:-1], X.bounds[1:], strict=True)
            rows = {
                _submit(X.client, _local_dense, spec, block, Y.whole): span
                for block, span in zip(X.blocks, bounds, strict=True)
            }
            # Each block copied into K as it arrives and let go: the client holds K
            # and one block, not every block and then K.
            for future in as_completed(rows):
                a, b = rows[future]
                K[a:b] = future.result()
                future.release()
            return K

        return self._resilient(fill, X, Y)

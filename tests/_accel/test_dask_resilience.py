"""The Dask backend survives lost workers and says clearly when it cannot go on."""

import os
import signal
import threading

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from skkernel import KernelOperator, NystroemRidge  # noqa: E402
from skkernel._accel._dask import DaskUnavailableError  # noqa: E402

from .._helpers import local_dask_client  # noqa: E402


@pytest.fixture
def cluster():
    """A cluster of its own (its workers get killed), with nannies that restart them."""
    with local_dask_client() as client:
        yield client


def _kill_a_worker(client):
    """SIGKILL the process of one worker; return its address."""
    pids = client.run(os.getpid)
    address, pid = sorted(pids.items())[0]
    os.kill(pid, signal.SIGKILL)
    return address


def _data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.sin(X[:, 0]) + 0.1 * rng.normal(size=n)


def test_products_survive_a_worker_killed_between_them(cluster):
    X, _ = _data()
    K = KernelOperator("rbf", X, backend="dask")
    v = np.ones(len(X))
    expected = KernelOperator("rbf", X, backend="numpy") @ v
    np.testing.assert_allclose(K @ v, expected, rtol=1e-10)
    _kill_a_worker(cluster)
    np.testing.assert_allclose(K @ v, expected, rtol=1e-10)
    np.testing.assert_allclose(K.T @ v, expected, rtol=1e-10)
    np.testing.assert_allclose(
        K.normal_matmat(np.ones((len(X), 1)))[:, 0],
        KernelOperator("rbf", X, backend="numpy").normal_matmat(np.ones((len(X), 1)))[:, 0],
        rtol=1e-10,
    )


def test_a_fit_survives_a_worker_killed_while_it_runs(cluster, monkeypatch):
    X, y = _data(4000)
    expected = NystroemRidge(alpha=1.0, n_components=100, random_state=0).fit(X, y).predict(X)
    calls = {"n": 0}
    original = KernelOperator.normal_matmat

    def kill_on_the_third_pass(self, V, weights=None):
        calls["n"] += 1
        if calls["n"] == 3:
            # Mid-fit, and (from a thread, a moment later) mid-product.
            threading.Timer(0.05, _kill_a_worker, args=(cluster,)).start()
        return original(self, V, weights)

    monkeypatch.setattr(KernelOperator, "normal_matmat", kill_on_the_third_pass)
    model = NystroemRidge(alpha=1.0, n_components=100, backend="dask", random_state=0)
    got = model.fit(X, y).predict(X)
    assert calls["n"] > 3
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_an_operator_built_just_after_a_worker_is_lost(cluster):
    # The first scatter of a new operator ran outside the retries: within the second
    # or so before the scheduler noticed, every fit, predict or block that built an
    # operator failed with a raw CommClosedError.
    X, _ = _data()
    v = np.ones(len(X))
    expected = KernelOperator("rbf", X, backend="numpy") @ v
    KernelOperator("rbf", X, backend="dask") @ v  # the cluster has run
    _kill_a_worker(cluster)
    np.testing.assert_allclose(KernelOperator("rbf", X, backend="dask") @ v, expected, rtol=1e-10)


def test_a_closed_client_gives_a_clear_error():
    X, _ = _data(200)
    with local_dask_client(1, processes=False) as client:
        K = KernelOperator("rbf", X, backend="dask")
        client.close()
        with pytest.raises(DaskUnavailableError, match="Client is closed"):
            K @ np.ones(len(X))


def test_a_cluster_without_workers_is_said_at_once(monkeypatch):
    # The first scatter waited 60 s per attempt (4 minutes), then blamed lost workers.
    import time

    from skkernel._accel import _dask

    monkeypatch.setattr(_dask, "_WORKER_GRACE", 1)
    X, _ = _data(200)
    with local_dask_client(0, processes=False):
        began = time.perf_counter()
        with pytest.raises(DaskUnavailableError, match="has no worker, and none joined"):
            KernelOperator("rbf", X, backend="dask")
        assert time.perf_counter() - began < 30


def test_a_lone_worker_restarted_by_its_nanny_is_waited_for():
    # With every worker gone for the moment (one worker, killed), the operation failed
    # at once, although the nanny had it back within seconds.
    X, _ = _data(2000)
    v = np.ones(len(X))
    expected = KernelOperator("rbf", X, backend="numpy") @ v
    with local_dask_client(1) as client:
        K = KernelOperator("rbf", X, backend="dask")
        np.testing.assert_allclose(K @ v, expected, rtol=1e-10)
        _kill_a_worker(client)
        np.testing.assert_allclose(K @ v, expected, rtol=1e-10)

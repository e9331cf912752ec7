"""Fixtures shared by the test suite (helpers live in tests/_helpers.py)."""

import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="session")
def dask_client():
    """A two-worker LocalCluster, shared by the tests that need one."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits, standardised."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def pytest_configure(config):
    # Imports pykeops (if present) without its CUDA banner, before any test does.
    from skkernel._accel import backend_status

    backend_status()

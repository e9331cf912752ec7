"""Fixtures shared by the test suite (helpers live in tests/_helpers.py)."""

import os

import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from ._helpers import local_dask_client


@pytest.fixture(scope="session")
def dask_client():
    """A two-worker LocalCluster, shared by the tests that need one."""
    with local_dask_client() as client:
        yield client


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits, standardised."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# KeOps compiles every formula (kernel x dtype x dimension x number of right-hand sides)
# to C++ on first use: 10-25 s each on two cores, about 45 minutes for the ~170 KeOps
# cases on a fresh machine. The default run compiles this core (every formula once,
# every reduction KeOps serves: products in both dtypes, the compact density kernels,
# float32 far from the origin, log-sum-exp) plus the single-case KeOps tests; the other
# KeOps cases are marked ``slow`` and run with ``pytest -m slow`` (or everything:
# ``pytest -m "slow or not slow"``).
KEOPS_CORE = {
    "test_keops_matches_reference": {
        "131-263-3-2-rbf-float64",
        "131-263-3-2-rbf-float32",
        "131-263-3-2-poly-float64",
        "131-263-3-2-epanechnikov-float32",
        # One case of every other formula (about 14 s each to compile, once).
        "131-263-3-2-laplacian-float64",
        "131-263-3-2-matern0.5-float64",
        "131-263-3-2-matern1.5-float64",
        "131-263-3-2-matern2.5-float64",
        "131-263-3-2-poly-fractional-float64",
        "131-263-3-2-linear-float64",
        "131-263-3-2-cosine-float64",
        "131-263-3-2-triangular-float64",
        "131-263-3-2-cosine-window-float64",
    },
    "test_float32_products_stay_accurate_far_from_the_origin": {"keops-10000.0-rbf"},
    "test_logsumexp_matches_reference": {"37-530-3-float64-rbf-keops"},
    "test_backends_agree": {"gaussian-keops"},
}


def _is_keops_case(item):
    callspec = getattr(item, "callspec", None)
    return callspec is not None and (
        "keops" in callspec.params.values() or "keops" in item.originalname
    )


def _test_name(item):
    # Doctest items have no ``originalname``; they never carry a KeOps case.
    return getattr(item, "originalname", None)


def pytest_collection_modifyitems(config, items):
    for item in items:
        core = KEOPS_CORE.get(_test_name(item))
        if core is not None and _is_keops_case(item) and item.callspec.id not in core:
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    # The examples draw figures; tests have no display.
    os.environ.setdefault("MPLBACKEND", "Agg")
    # Imports pykeops (if present) without its CUDA banner, before any test does.
    from skkernel._accel import backend_status

    backend_status()

"""Data, kernels and a Dask cluster the tests share."""

import contextlib

import numpy as np
import pytest

from skkernel import kernels

# One instance of every accelerated family (Matern nu=inf resolves to the RBF family).
ACCELERATED_KERNELS = [
    pytest.param(kernels.RBF(gamma=0.3), id="rbf"),
    pytest.param(kernels.RBF(), id="rbf-default-gamma"),
    pytest.param(kernels.Laplacian(gamma=0.2), id="laplacian"),
    pytest.param(kernels.Matern(nu=0.5, length_scale=1.3), id="matern0.5"),
    pytest.param(kernels.Matern(nu=1.5), id="matern1.5"),
    pytest.param(kernels.Matern(nu=2.5, length_scale=0.7), id="matern2.5"),
    pytest.param(kernels.Matern(nu=np.inf, length_scale=2.0), id="matern-inf"),
    pytest.param(kernels.Polynomial(gamma=0.2, degree=3, coef0=1.0), id="poly"),
    pytest.param(kernels.Polynomial(gamma=0.05, degree=2.5, coef0=2.0), id="poly-fractional"),
    pytest.param(kernels.Linear(), id="linear"),
    pytest.param(kernels.Cosine(), id="cosine"),
    pytest.param(kernels.Sigmoid(gamma=0.05, coef0=0.1), id="sigmoid"),
    # The density kernels: the compact families, and the exponential profile (matern,
    # or laplacian in one dimension).
    pytest.param(kernels.DensityKernel("tophat", 1.7), id="tophat"),
    pytest.param(kernels.DensityKernel("epanechnikov", 2.1), id="epanechnikov"),
    pytest.param(kernels.DensityKernel("linear", 1.9), id="triangular"),
    pytest.param(kernels.DensityKernel("cosine", 2.3), id="cosine-window"),
    pytest.param(kernels.DensityKernel("exponential", 0.6), id="exponential"),
    pytest.param(kernels.NTK(depth=2, b_std=0.2), id="ntk"),
    pytest.param(kernels.NNGP(depth=2, activation="erf", W_std=1.2), id="nngp-erf"),
]


def make_data(n, m, d, dtype, seed=0, nonnegative=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(m, d))
    if nonnegative:
        X, Y = np.abs(X), np.abs(Y)
    return X.astype(dtype), Y.astype(dtype)


def regression_data(n=300, d=3, seed=0):
    """Two smooth targets of uniform inputs, with noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n, d))
    Y = np.column_stack([np.sin(X[:, 0]), np.cos(X[:, 1]) * X[:, 2]])
    return X, Y + 0.1 * rng.normal(size=Y.shape)


def imbalanced_clusters(seed=0):
    """A large blob and a small, tight, distant one: leverage scores put many more
    centers in the small cluster than its share of the data."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(2700, 2)), rng.normal(size=(300, 2)) * 0.3 + [6, 0]])
    return X, np.sin(X[:, 0]) + 0.1 * rng.normal(size=len(X))


def iris_with_a_one_class_fold():
    """Iris and two folds, the first of which trains on class 0 only (libsvm and
    scikit-learn's classifiers refuse it: a search scores it ``error_score``)."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    first, others = np.flatnonzero(y == 0), np.flatnonzero(y != 0)
    cv = [
        (first[:40], np.r_[first[40:], others[:20]]),
        (np.r_[first[:25], others[:50]], np.r_[first[25:], others[50:]]),
    ]
    return X, y, cv


def hide_module(monkeypatch, name):
    """Make ``import name`` (and its submodules) fail for the rest of the test, as
    on an install without that optional dependency."""
    import builtins

    real_import = builtins.__import__

    def without(module, *args, **kwargs):
        if module == name or module.startswith(name + "."):
            raise ImportError(f"No module named {name!r}")
        return real_import(module, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)


@contextlib.contextmanager
def local_dask_client(n_workers=2, processes=True):
    """A client of a new LocalCluster (one thread a worker; in processes, with nannies
    that restart them, unless ``processes=False``)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client

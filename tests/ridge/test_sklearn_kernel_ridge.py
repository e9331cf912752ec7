"""scikit-learn's own KernelRidge tests (sklearn/tests/test_kernel_ridge.py, 1.9.1),
adapted to skkernel's KernelRidge.

What had to change, and why:

- Every test runs once per solver setting (the ``solver`` fixture): "auto" (the
  default, upstream's call as it is: Cholesky at this size), "cholesky", and "cg"
  twice, with ``tol=1e-12`` so that upstream's tolerance (6 decimals) still applies:
  once with the default Nystroem preconditioner (at n = 100 its landmarks are all the
  samples, so it is exact and CG stops after one or two steps) and once with
  ``preconditioner=None``, so that the iteration itself is what is tested.
- ``test_kernel_ridge_singular_kernel``: with ``alpha=0`` the Cholesky solve fails and
  falls back to least squares with scikit-learn's warning, which upstream ignores;
  CG solves the singular but consistent system (y lies in the range of the linear
  kernel) without one. ``ignore_warnings`` is kept for every solver.
- ``test_kernel_ridge_precomputed``: the predictions are also compared with those of
  scikit-learn's KernelRidge for the same kernel, to the same tolerance (upstream
  compares the estimator with itself only).
- Imports: ``KernelRidge`` from skkernel; scikit-learn's KernelRidge (as
  ``SklearnKernelRidge``), ``Ridge`` and everything else from scikit-learn.
"""

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge
from sklearn.linear_model import Ridge
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.utils._testing import assert_array_almost_equal, ignore_warnings
from sklearn.utils.fixes import CSC_CONTAINERS, CSR_CONTAINERS

from skkernel import KernelRidge

X, y = make_regression(n_features=10, random_state=0)
Y = np.array([y, y]).T

SOLVERS = {
    "auto": {},
    "cholesky": {"solver": "cholesky"},
    "cg": {"solver": "cg", "tol": 1e-12, "random_state": 0},
    "cg-unpreconditioned": {"solver": "cg", "tol": 1e-12, "preconditioner": None},
}


@pytest.fixture(params=list(SOLVERS))
def solver(request):
    """Keyword arguments that select one solver of skkernel's KernelRidge."""
    return SOLVERS[request.param]


def test_kernel_ridge(solver):
    pred = Ridge(alpha=1, fit_intercept=False).fit(X, y).predict(X)
    pred2 = KernelRidge(kernel="linear", alpha=1, **solver).fit(X, y).predict(X)
    assert_array_almost_equal(pred, pred2)


@pytest.mark.parametrize("sparse_container", [*CSR_CONTAINERS, *CSC_CONTAINERS])
def test_kernel_ridge_sparse(sparse_container, solver):
    X_sparse = sparse_container(X)
    pred = Ridge(alpha=1, fit_intercept=False, solver="cholesky").fit(X_sparse, y).predict(X_sparse)
    pred2 = KernelRidge(kernel="linear", alpha=1, **solver).fit(X_sparse, y).predict(X_sparse)
    assert_array_almost_equal(pred, pred2)


def test_kernel_ridge_singular_kernel(solver):
    # alpha=0 makes the Cholesky factorisation fail: the Cholesky solvers fall back to
    # least squares (with a warning), CG iterates on the singular, consistent system.
    pred = Ridge(alpha=0, fit_intercept=False).fit(X, y).predict(X)
    kr = KernelRidge(kernel="linear", alpha=0, **solver)
    ignore_warnings(kr.fit)(X, y)
    pred2 = kr.predict(X)
    assert_array_almost_equal(pred, pred2)


def test_kernel_ridge_precomputed(solver):
    for kernel in ["linear", "rbf", "poly", "cosine"]:
        K = pairwise_kernels(X, X, metric=kernel)
        pred = KernelRidge(kernel=kernel, **solver).fit(X, y).predict(X)
        pred2 = KernelRidge(kernel="precomputed", **solver).fit(K, y).predict(K)
        assert_array_almost_equal(pred, pred2)
        # Agreement with scikit-learn's estimator on the same kernel.
        reference = SklearnKernelRidge(kernel=kernel).fit(X, y).predict(X)
        assert_array_almost_equal(reference, pred)


def test_kernel_ridge_precomputed_kernel_unchanged(solver):
    K = np.dot(X, X.T)
    K2 = K.copy()
    KernelRidge(kernel="precomputed", **solver).fit(K, y)
    assert_array_almost_equal(K, K2)


def test_kernel_ridge_sample_weights(solver):
    K = np.dot(X, X.T)  # precomputed kernel
    sw = np.random.RandomState(0).rand(X.shape[0])

    pred = Ridge(alpha=1, fit_intercept=False).fit(X, y, sample_weight=sw).predict(X)
    pred2 = KernelRidge(kernel="linear", alpha=1, **solver).fit(X, y, sample_weight=sw).predict(X)
    pred3 = (
        KernelRidge(kernel="precomputed", alpha=1, **solver).fit(K, y, sample_weight=sw).predict(K)
    )
    assert_array_almost_equal(pred, pred2)
    assert_array_almost_equal(pred, pred3)


def test_kernel_ridge_multi_output(solver):
    pred = Ridge(alpha=1, fit_intercept=False).fit(X, Y).predict(X)
    pred2 = KernelRidge(kernel="linear", alpha=1, **solver).fit(X, Y).predict(X)
    assert_array_almost_equal(pred, pred2)

    pred3 = KernelRidge(kernel="linear", alpha=1, **solver).fit(X, y).predict(X)
    pred3 = np.array([pred3, pred3]).T
    assert_array_almost_equal(pred2, pred3)

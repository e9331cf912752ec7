"""Kernel values against scikit-learn, parameter handling and errors."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, clone
from sklearn.gaussian_process.kernels import RBF as GPRBF, Matern as GPMatern
from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS, pairwise_kernels
from sklearn.model_selection import ParameterGrid

from skkernel import KernelOperator, kernels, make_kernel
from skkernel.kernels import KERNEL_NAMES

from .._helpers import ACCELERATED_KERNELS, make_data

SKLEARN_NAMES = sorted(PAIRWISE_KERNEL_FUNCTIONS)


def test_every_sklearn_name_is_known():
    assert set(SKLEARN_NAMES) <= set(KERNEL_NAMES)


@pytest.mark.parametrize("name", SKLEARN_NAMES)
@pytest.mark.parametrize("params", [{}, {"gamma": 0.37, "degree": 2, "coef0": 0.5}])
@pytest.mark.parametrize("same", [True, False], ids=["X-is-Y", "X-not-Y"])
def test_named_kernels_match_sklearn(name, params, same):
    X, Y = make_data(40, 23, 5, np.float64, nonnegative="chi2" in name)
    Y = None if same else Y
    ours = make_kernel(name, **params)(X, Y)
    sk_params = dict(params)
    if name == "chi2" and "gamma" not in sk_params:
        sk_params["gamma"] = 1.0  # sklearn's pairwise_kernels fails on gamma=None here
    theirs = pairwise_kernels(X, Y, metric=name, filter_params=True, **sk_params)
    assert ours.dtype == np.float64
    assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", SKLEARN_NAMES)
def test_float32_in_float32_out(name):
    X, Y = make_data(10, 7, 3, np.float32, nonnegative="chi2" in name)
    K = make_kernel(name)(X, Y)
    assert K.dtype == np.float32
    assert_allclose(
        K, make_kernel(name)(X.astype(np.float64), Y.astype(np.float64)), rtol=2e-5, atol=1e-5
    )


@pytest.mark.parametrize("nu", [0.5, 1.5, 2.5, np.inf])
def test_matern_matches_gaussian_process_matern(nu):
    X, Y = make_data(30, 20, 4, np.float64)
    ours = kernels.Matern(nu=nu, length_scale=1.7)(X, Y)
    theirs = GPMatern(nu=nu, length_scale=1.7)(X, Y)
    assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_matern_is_exact_at_distance_zero():
    X = np.array([[1e4, -3e4, 2e4]])
    assert_allclose(kernels.Matern(nu=0.5)(X), [[1.0]], rtol=0, atol=1e-15)


@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
def test_diag_equals_dense_diagonal(kernel):
    X, _ = make_data(25, 1, 6, np.float64)
    assert_allclose(kernel.diag(X), np.diag(kernel(X)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["chi2", "additive_chi2"])
def test_diag_of_kernels_without_closed_form(name):
    X, _ = make_data(9, 1, 3, np.float64, nonnegative=True)
    kernel = make_kernel(name)
    assert_allclose(kernel.diag(X), np.diag(kernel(X)), rtol=1e-12, atol=1e-15)


def test_callable_kernel_follows_sklearn():
    X, Y = make_data(8, 5, 3, np.float64)

    def func(x, y, scale=1.0):
        return scale * np.exp(-np.abs(x - y).max())

    kernel = make_kernel(func, kernel_params={"scale": 2.0})
    assert isinstance(kernel, kernels.FunctionKernel)
    assert_allclose(kernel(X, Y), pairwise_kernels(X, Y, metric=func, scale=2.0))
    assert_allclose(kernel.diag(X), np.full(8, 2.0))


def test_gaussian_process_kernel_is_wrapped():
    X, Y = make_data(8, 5, 3, np.float64)
    gp = GPRBF(length_scale=0.8)
    kernel = make_kernel(gp)
    assert isinstance(kernel, kernels.GPKernelAdapter)
    assert_allclose(kernel(X, Y), gp(X, Y))
    assert_allclose(kernel.diag(X), gp.diag(X))


def test_kernel_instance_is_returned_as_is():
    kernel = kernels.RBF(gamma=2.0)
    assert make_kernel(kernel, gamma=5.0) is kernel


def test_make_kernel_filters_parameters_like_sklearn():
    assert make_kernel("rbf", gamma=0.1, degree=7, coef0=3).get_params() == {"gamma": 0.1}
    assert make_kernel("linear", gamma=0.1).get_params() == {}
    poly = make_kernel("poly", gamma=0.1, degree=2, coef0=0.5)
    assert poly.get_params() == {"gamma": 0.1, "degree": 2, "coef0": 0.5}
    assert make_kernel("matern", kernel_params={"nu": 2.5, "length_scale": 3.0}).get_params() == {
        "nu": 2.5,
        "length_scale": 3.0,
    }


class _HoldsKernel(BaseEstimator):
    def __init__(self, kernel=None):
        self.kernel = kernel


def test_nested_parameters_work_in_a_grid():
    estimator = _HoldsKernel(kernel=kernels.RBF())
    grid = ParameterGrid({"kernel__gamma": [0.1, 1.0]})
    gammas = [clone(estimator).set_params(**params).kernel.gamma for params in grid]
    assert gammas == [0.1, 1.0]
    assert "kernel__gamma" in estimator.get_params(deep=True)


def test_positive_definite_flags():
    assert kernels.RBF().positive_definite
    assert not kernels.Sigmoid().positive_definite
    assert kernels.Polynomial(degree=2).positive_definite
    assert not kernels.Polynomial(degree=2.5).positive_definite
    for profile in ("gaussian", "exponential", "laplacian"):
        assert kernels.DensityKernel(profile, 1.0).positive_definite
    # The compact profiles are not: a 3-D grid of spacing 0.72 h has Gram matrices
    # with negative eigenvalues (-0.5 to -1.6).
    grid = np.arange(6) * 0.72
    X = np.stack(np.meshgrid(grid, grid, grid), axis=-1).reshape(-1, 3)
    for profile in ("tophat", "epanechnikov", "linear", "cosine"):
        kernel = kernels.DensityKernel(profile, 1.0)
        assert not kernel.positive_definite
        assert np.linalg.eigvalsh(kernel(X)).min() < 0, profile


@pytest.mark.parametrize(
    "kernel, match",
    [
        ("not-a-kernel", "Unknown kernel 'not-a-kernel'"),
        ("precomputed", "not a kernel function"),
    ],
)
def test_unknown_names_are_rejected(kernel, match):
    with pytest.raises(ValueError, match=match):
        make_kernel(kernel)


def test_wrong_kernel_type_is_rejected():
    with pytest.raises(TypeError, match="kernel must be a string"):
        make_kernel(3.0)


def test_unknown_kernel_params_are_rejected():
    with pytest.raises(ValueError, match=r"\['nu'\] are not parameters of the 'rbf' kernel"):
        make_kernel("rbf", kernel_params={"nu": 1.5})


@pytest.mark.parametrize(
    "kernel",
    # gamma=0 is valid (the constant kernel, on every backend): see
    # test_gamma_zero_is_the_constant_kernel_on_every_path.
    [kernels.RBF(gamma=-1.0), kernels.Laplacian(gamma=-1.0), kernels.Polynomial(degree=-1)],
)
def test_invalid_parameters_are_rejected(kernel):
    with pytest.raises(ValueError, match="parameter of"):
        kernel(np.ones((2, 2)))


def test_matern_other_nu_is_rejected_with_a_pointer():
    with pytest.raises(ValueError, match="nu in"):
        kernels.Matern(nu=1.0)(np.ones((2, 2)))


@pytest.mark.parametrize(
    "X, Y, error, match",
    [
        (np.array([[np.nan, 1.0]]), None, ValueError, "NaN"),
        (np.array([[np.inf, 1.0]]), None, ValueError, "infinity"),
        (np.ones((3, 2)), np.ones((3, 4)), ValueError, "same number of features"),
        (np.ones((2, 2, 2)), None, ValueError, "2-D array"),
        (np.ones(4), None, ValueError, "reshape"),
        (np.empty((0, 3)), None, ValueError, "0 sample"),
        (np.array([["a", "b"]]), None, ValueError, "convert"),
    ],
)
def test_bad_input_gets_a_clear_error(X, Y, error, match):
    with pytest.raises(error, match=match):
        kernels.RBF()(X, Y)


def test_sparse_input_is_rejected():
    import scipy.sparse as sp

    with pytest.raises(TypeError, match="sparse"):
        kernels.RBF()(sp.random(5, 3, density=0.5, format="csr"))


def test_chi2_rejects_negative_values():
    with pytest.raises(ValueError, match="Negative values in data passed to the chi2 kernel"):
        kernels.Chi2()(np.array([[-1.0, 2.0]]))


def test_integer_input_becomes_float64():
    K = kernels.Linear()(np.array([[1, 2], [3, 4]]))
    assert K.dtype == np.float64


def test_a_kernel_without_parameters_needs_no_constraints():
    class Ones(kernels.Kernel):
        """The constant kernel 1, with no parameters."""

        def compute(self, X, Y):
            return np.ones((X.shape[0], Y.shape[0]), dtype=X.dtype)

    X = np.arange(6.0).reshape(3, 2)
    k = Ones()
    assert_allclose(k(X), np.ones((3, 3)))
    assert not k.spec(2).closed_form
    assert_allclose(KernelOperator(k, X) @ np.ones(3), np.full(3, 3.0))


@pytest.mark.parametrize("name", ["rbf", "laplacian", "chi2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_gamma_zero_is_the_constant_kernel_on_every_path(name, dtype, backend):
    # laplacian and chi2 passed gamma=0 to sklearn's functions, which refuse it: the
    # numpy backend (and float32 dense blocks, which go to it) raised.
    X = np.abs(make_data(20, 5, 3, dtype, seed=2)[0])
    kernel = make_kernel(name, gamma=0.0)
    assert_allclose(kernel(X), np.ones((20, 20)))
    operator = KernelOperator(kernel, X, backend=backend)
    assert_allclose(operator @ np.ones(20), np.full(20, 20.0), rtol=1e-6)
    assert_allclose(operator.gram(), np.ones((20, 20)), rtol=1e-6)


@pytest.mark.parametrize("name", ["chi2", "additive_chi2"])
def test_chi2_kernels_take_read_only_input(name):
    # scikit-learn's Cython chi2 needs writable buffers: a memmap or a pandas frame
    # under copy-on-write raised "buffer source array is read-only".
    X = np.random.default_rng(0).uniform(size=(10, 3))
    frozen = X.copy()
    frozen.setflags(write=False)
    kernel = make_kernel(name)
    np.testing.assert_array_equal(kernel(frozen), kernel(X))

"""The Laplacian kernel's dominance sums (Langrené & Warin) against brute force."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.spatial.distance import cdist

from skkernel import KernelOperator, kernels
from skkernel._accel import get_backend
from skkernel._accel._ecdf import laplacian_matmat, sweep_wins


def brute_force(X, Y, V, gamma):
    """float64 K(X, Y) @ V by direct differences, and |K| @ |V| for the error scale."""
    K = np.exp(-gamma * cdist(X.astype(np.float64), Y.astype(np.float64), "cityblock"))
    return K @ V, np.abs(K) @ np.abs(V)


def check(X, Y, V, gamma, rtol=1e-12):
    got = laplacian_matmat(X, Y, V, gamma)
    expected, scale = brute_force(X, Y, V, gamma)
    assert got.shape == expected.shape
    assert np.all(np.abs(got - expected) <= rtol * scale + 1e-300)


# Sizes around the leaf size (16) and its multiples, and unbalanced shapes.
SIZES = [(1, 1), (1, 40), (40, 1), (15, 16), (16, 17), (33, 31), (100, 257), (600, 450)]


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("n, m", SIZES)
def test_matches_brute_force(d, n, m):
    rng = np.random.default_rng(n * 1000 + m + d)
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    V = rng.normal(size=(m, 3))  # signed weights, several columns
    for gamma in (0.0, 0.4, 3.0, 60.0):
        check(X, Y, V, gamma)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_ties_and_queries_on_data_points(d):
    """Equal coordinates count once: every pair lies in exactly one orthant."""
    rng = np.random.default_rng(d)
    Y = rng.integers(-3, 4, size=(300, d)).astype(float)  # many ties per coordinate
    X = np.vstack([Y[:50], rng.integers(-3, 4, size=(70, d)), rng.normal(size=(30, d))])
    V = rng.uniform(size=(300, 1))
    for gamma in (0.3, 2.0):
        check(X, Y, V, gamma)
    # One point against itself: k = 1 exactly.
    assert_allclose(laplacian_matmat(Y[:1], Y[:1], np.ones((1, 1)), 5.0), [[1.0]], rtol=1e-15)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_no_overflow_over_wide_ranges(d):
    """exp(gamma x) would overflow beyond a range of ~700 / gamma; the anchored
    factors never form it."""
    rng = np.random.default_rng(7)
    Y = rng.uniform(-1e4, 1e4, size=(400, d))
    X = np.vstack([Y[:20] + 1e-3, rng.uniform(-1e4, 1e4, size=(100, d))])
    V = rng.uniform(size=(400, 2))
    got = laplacian_matmat(X, Y, V, 0.5)
    assert np.isfinite(got).all()
    expected, scale = brute_force(X, Y, V, 0.5)
    assert np.all(np.abs(got - expected) <= 1e-12 * scale + 1e-300)
    # Data far from the origin: only differences matter.
    check(X[:50] * 1e-3 + 1e6, Y * 1e-3 + 1e6, V, 3.0, rtol=1e-9)


def test_rejects_dimensions_it_does_not_handle():
    with pytest.raises(ValueError, match="1 to 3 dimensions"):
        laplacian_matmat(np.zeros((2, 4)), np.zeros((3, 4)), np.ones((3, 1)), 1.0)


def test_cost_rule():
    assert not sweep_wins(10, 10, 2, 2)  # tiny: the direct loop
    assert sweep_wins(100_000, 100_000, 2, 2)
    assert sweep_wins(100_000, 100_000, 3, 8)
    assert not sweep_wins(100_000, 100_000, 3, 64)  # many cores: the direct loop
    assert not sweep_wins(100_000, 100_000, 4, 2)  # no sweep beyond three dimensions
    assert sweep_wins(2_000, 2_000, 1, 2)


@pytest.mark.parametrize("d", [1, 2])  # three dimensions win from ~10,000 x 10,000
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_operator_runs_the_sweep_where_it_wins(d, dtype):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(3000, d)).astype(dtype)
    Y = rng.normal(size=(2500, d)).astype(dtype)
    V = rng.normal(size=(2500, 2)).astype(dtype)
    kernel = kernels.Laplacian(gamma=1.3)
    numba = get_backend("numba")
    spec = kernel.spec(d)
    assert numba.fast_matmat(spec, numba.prepare(X, spec), numba.prepare(Y, spec), V) is not None
    op = KernelOperator(kernel, X, Y, backend="numba")
    direct = KernelOperator(kernel, X, Y, backend="numba", summation="direct")
    got, expected = op @ V, direct @ V
    assert got.dtype == dtype
    scale = np.abs(kernel(X, Y)).astype(np.float64) @ np.abs(V)
    tolerance = 1e-10 if dtype == np.float64 else 2e-6
    assert np.all(np.abs(got - expected) <= tolerance * scale)
    # The transpose takes the sweep too.
    W = rng.normal(size=(3000, 1)).astype(dtype)
    assert np.all(np.abs(op.T @ W - direct.T @ W) <= tolerance * np.abs(kernel(Y, X)) @ np.abs(W))


def test_exponential_density_kernel_in_one_dimension_is_the_laplacian_family():
    kernel = kernels.DensityKernel("exponential", bandwidth=0.3)
    assert kernel.spec(1).family.name == "laplacian"
    assert kernel.spec(2).family.name == "matern"
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(2000, 1)), rng.normal(size=(3000, 1))
    v = rng.uniform(size=3000)
    assert_allclose(KernelOperator(kernel, X, Y) @ v, kernel(X, Y) @ v, rtol=1e-12)


def test_summation_is_checked():
    with pytest.raises(ValueError, match="summation"):
        KernelOperator("laplacian", np.ones((2, 2)), summation="tree")

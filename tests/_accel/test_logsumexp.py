"""Log-sum-exp reductions, ``log sum_j exp(log k(x_i, y_j) + log w_j)``, on every backend."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from skkernel import KernelOperator, kernels
from skkernel._accel import backend_status
from skkernel._accel._cupy import CuPyBackend

from .._helpers import ACCELERATED_KERNELS, make_data

# The accelerated families with a log form (the Gaussian and Matern families and the
# density kernels).
LOG_KERNELS = [
    kernel for kernel in ACCELERATED_KERNELS if kernel.values[0].spec(n_features=3).has_log_form
]

BACKENDS = ["numpy", "numba", "keops", "cupy-on-numpy"]


def test_the_log_form_families_are_all_tested():
    # Guards the filter above: a broken has_log_form would leave nothing to test.
    ids = {kernel.id for kernel in LOG_KERNELS}
    assert {"rbf", "laplacian", "matern0.5", "matern1.5", "matern2.5"} <= ids
    assert {"tophat", "epanechnikov", "triangular", "cosine-window", "exponential"} <= ids


def reference(kernel, X, Y, log_W):
    """scipy's logsumexp over the float64 log of the dense reference block."""
    with np.errstate(divide="ignore"):
        L = np.log(kernel(X.astype(np.float64), Y.astype(np.float64)))
    return np.column_stack([logsumexp(L + log_W[:, c], axis=1) for c in range(log_W.shape[1])])


def run(backend, kernel, X, Y, log_W):
    if backend == "cupy-on-numpy":
        cupy_like = CuPyBackend(array_module=np)
        spec = kernel.spec(X.shape[1])
        return cupy_like.logsumexp(
            spec, cupy_like.prepare(X, spec), cupy_like.prepare(Y, spec), log_W
        )
    if backend_status()[backend] is not None:
        pytest.skip(backend_status()[backend])
    return KernelOperator(kernel, X, Y, backend=backend).logsumexp(log_W)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kernel", LOG_KERNELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n, m, d", [(1, 1, 1), (37, 530, 3), (70, 600, 9)])
def test_logsumexp_matches_reference(backend, kernel, dtype, n, m, d):
    X, Y = make_data(n, m, d, dtype, seed=3)
    rng = np.random.default_rng(4)
    W = rng.uniform(0.1, 2.0, size=(m, 2))
    W[::7, 0] = 0.0  # zero weights: log w = -inf
    with np.errstate(divide="ignore"):
        log_W = np.log(W)
    expected = reference(kernel, X, Y, log_W)
    got = run(backend, kernel, X, Y, log_W)
    assert got.shape == expected.shape and got.dtype == np.float64
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(got), finite)
    assert np.all(got[~finite] == -np.inf)
    # Absolute error of a logarithm = relative error of the sum.
    assert_allclose(got[finite], expected[finite], rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_far_queries_get_their_true_logarithm(backend):
    """Where every kernel value underflows, the log of the sum is still exact."""
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(300, 2))
    X = np.array([[0.0, 0.0], [60.0, 0.0], [0.0, -400.0]])
    w = rng.uniform(size=300)
    gamma = 2.0
    expected = logsumexp(-gamma * cdist(X, Y, "sqeuclidean"), b=w, axis=1)
    assert np.exp(expected[1:]).max() == 0  # the plain sums underflow to zero
    got = run(backend, kernels.RBF(gamma=gamma), X, Y, np.log(w)[:, None])[:, 0]
    # ~1e-16 of |log k| ~ 3e5 is the floor set by the inputs' own rounding.
    assert_allclose(got, expected, rtol=1e-14, atol=1e-12)
    exponential = kernels.Matern(nu=0.5, length_scale=0.01)
    expected = logsumexp(-cdist(X, Y) / 0.01, b=w, axis=1)
    got = run(backend, exponential, X, Y, np.log(w)[:, None])[:, 0]
    assert_allclose(got, expected, rtol=1e-14, atol=1e-12)


@pytest.mark.parametrize("kernel", LOG_KERNELS + [kernels.DensityKernel("gaussian", 0.3)])
def test_dask_logsumexp(dask_client, kernel):
    X, Y = make_data(57, 131, 3, np.float64)
    W = np.random.default_rng(0).uniform(size=(131, 2))
    W[::7, 0] = 0.0
    with np.errstate(divide="ignore"):
        log_W = np.log(W)
    expected = reference(kernel, X, Y, log_W)
    got = KernelOperator(kernel, X, Y, backend="dask").logsumexp(log_W)
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(got), finite) and np.all(got[~finite] == -np.inf)
    assert_allclose(got[finite], expected[finite], rtol=0, atol=1e-12)


def test_compact_kernel_out_of_reach_is_minus_infinity():
    X, Y = np.array([[0.0], [10.0]]), np.array([[0.0], [0.5]])
    for backend in ("numpy", "numba"):
        op = KernelOperator(kernels.DensityKernel("tophat", 1.0), X, Y, backend=backend)
        assert_allclose(op.logsumexp(np.zeros(2)), [np.log(2.0), -np.inf])


@pytest.mark.parametrize("profile", ["tophat", "epanechnikov", "linear", "cosine"])
@pytest.mark.parametrize("backend", ["numpy", "numba", "cupy-on-numpy"])
def test_compact_log_forms_leave_out_the_sphere_of_radius_h(backend, profile):
    # Integer data meet r = h all the time: log k is -inf there, as k is 0 (the
    # cosine window's cos(pi/2) ~ 6e-17 must not turn -inf into -37). The last query
    # row has its only neighbours at distance exactly h.
    rng = np.random.default_rng(0)
    Y = rng.integers(0, 4, size=(60, 3)).astype(float)
    X = np.vstack([Y[:20], [[10.0, 10.0, 10.0]]])
    Y = np.vstack([Y, [[11.0, 10.0, 10.0], [10.0, 9.0, 10.0]]])
    kernel = kernels.DensityKernel(profile, bandwidth=1.0)
    log_W = np.zeros((Y.shape[0], 1))
    with np.errstate(divide="ignore"):
        expected = np.log(kernel(X, Y).sum(axis=1))
    got = run(backend, kernel, X, Y, log_W)[:, 0]
    assert got[-1] == -np.inf and expected[-1] == -np.inf
    assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_vector_in_vector_out():
    X, Y = make_data(5, 8, 2, np.float64)
    op = KernelOperator(kernels.RBF(gamma=0.5), X, Y)
    got = op.logsumexp(np.zeros(8))
    assert got.shape == (5,)
    assert_allclose(np.exp(got), op @ np.ones(8), rtol=1e-13)


def test_bad_input():
    X, Y = make_data(5, 8, 2, np.float64)
    op = KernelOperator(kernels.RBF(gamma=0.5), X, Y)
    with pytest.raises(ValueError, match="shape"):
        op.logsumexp(np.zeros(7))
    with pytest.raises(ValueError, match="NaN or \\+inf"):
        op.logsumexp(np.r_[np.inf, np.zeros(7)])
    with pytest.raises(ValueError, match="NaN or \\+inf"):
        op.logsumexp(np.r_[np.nan, np.zeros(7)])
    with pytest.raises(TypeError, match="real numbers"):
        op.logsumexp(np.zeros(8, dtype=complex))
    # The message names the families that have one, from the registry.
    with pytest.raises(ValueError, match="no logarithmic form.*: cosine-window, epanechnikov"):
        KernelOperator("poly", X, Y).logsumexp(np.zeros(8))


@pytest.mark.parametrize("kernel", ["rbf", "laplacian", kernels.Matern(nu=1.5)], ids=str)
def test_numpy_log_sum_exp_stays_within_working_memory(kernel):
    # Its blocks counted three temporaries; the L1 distances' and Matern's log forms
    # hold up to six (26 MiB under a working_memory of 16).
    import tracemalloc

    import sklearn

    X = np.random.default_rng(0).normal(size=(20000, 3))
    operator = KernelOperator(kernel, X[:5000], X, backend="numpy")
    log_weights = np.zeros((20000, 1))
    with sklearn.config_context(working_memory=16):
        tracemalloc.start()
        try:
            operator.logsumexp(log_weights)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak <= 16 * 2**20


@pytest.mark.parametrize("kernel", LOG_KERNELS)
def test_numba_runs_the_log_sum_exp_of_every_log_form_family(kernel, monkeypatch):
    # The numba log formulas are reached only through this routing: a family whose
    # log form numba lacked would fall back to numpy unseen.
    from skkernel._accel import get_backend

    numba = get_backend("numba")
    calls = []
    logsumexp_ = numba.logsumexp
    monkeypatch.setattr(numba, "logsumexp", lambda *args: calls.append(1) or logsumexp_(*args))
    X, Y = make_data(20, 50, 3, np.float64)
    got = KernelOperator(kernel, X, Y, backend="numba").logsumexp(np.zeros((50, 1)))
    assert len(calls) == 1
    assert_allclose(got, reference(kernel, X, Y, np.zeros((50, 1))), rtol=0, atol=1e-12)

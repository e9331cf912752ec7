"""Every backend against the numpy reference, on every accelerated kernel family."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skkernel import KernelOperator, kernels
from skkernel._accel import backend_status, get_backend
from skkernel._accel._cupy import CuPyBackend
from skkernel.kernels import FAMILIES

from .._helpers import ACCELERATED_KERNELS, make_data

TOLERANCE = {np.float64: 1e-10, np.float32: 2e-5}

# (n, m, d, k): one row, sizes that are not multiples of any tile, many features
# (the numba GEMM path), and several right-hand sides.
SHAPES = [(1, 1, 1, 1), (1, 37, 3, 1), (45, 1, 2, 3), (131, 263, 3, 2), (70, 530, 21, 4)]


def test_every_registered_family_is_checked_against_the_reference():
    # A new family is registered in one place; this makes it join the agreement
    # tests below (by an entry in ACCELERATED_KERNELS) before it can land.
    checked = {param.values[0].spec(3).family.name for param in ACCELERATED_KERNELS}
    assert checked == set(FAMILIES)


def reference_product(kernel, X, Y, V):
    """K(X, Y) @ V in float64 from the dense reference, and |K| @ |V| for the scale."""
    K = kernel(X.astype(np.float64), Y.astype(np.float64))
    V = V.astype(np.float64)
    return K @ V, np.abs(K) @ np.abs(V)


def check_backend_products(backend, kernel, dtype, n, m, d, k, seed=0):
    X, Y = make_data(n, m, d, dtype, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for same in (True, False):
        Ym = X if same else Y
        op = KernelOperator(kernel, X, None if same else Y, backend=backend)
        assert op.backend == backend
        V = rng.normal(size=(Ym.shape[0], k)).astype(dtype)
        W = rng.normal(size=(X.shape[0], k)).astype(dtype)
        expected, scale = reference_product(kernel, X, Ym, V)
        got = op @ V
        assert got.dtype == dtype and got.shape == expected.shape
        assert np.all(np.abs(got - expected) <= TOLERANCE[dtype] * (scale + 1e-300))
        expected_t, scale_t = reference_product(kernel, Ym, X, W)
        got_t = op.T @ W
        assert got_t.dtype == dtype
        assert np.all(np.abs(got_t - expected_t) <= TOLERANCE[dtype] * (scale_t + 1e-300))
        got_t = op.rmatmat(W)
        assert np.all(np.abs(got_t - expected_t) <= TOLERANCE[dtype] * (scale_t + 1e-300))
        # matvec: a 1-D right-hand side gives a 1-D result.
        got_v = op @ V[:, 0]
        assert got_v.shape == (X.shape[0],)
        assert np.all(np.abs(got_v - expected[:, 0]) <= TOLERANCE[dtype] * (scale[:, 0] + 1e-300))
        if dtype == np.float32:
            # A float64 operand of float32 data gives a float64 product on every
            # backend (KeOps returned float32).
            got = op @ V.astype(np.float64)
            assert got.dtype == np.float64
            assert np.all(np.abs(got - expected) <= TOLERANCE[dtype] * (scale + 1e-300))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
@pytest.mark.parametrize("n, m, d, k", SHAPES)
def test_numba_matches_reference(kernel, dtype, n, m, d, k):
    check_backend_products("numba", kernel, dtype, n, m, d, k)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
@pytest.mark.parametrize("n, m, d, k", SHAPES)
def test_numba_dense_block_matches_reference(kernel, dtype, n, m, d, k):
    # The matrix itself (the fused pass storing instead of reducing), both the direct
    # and the GEMM statistic, in X's dtype.
    X, Y = make_data(n, m, d, dtype)
    numba = get_backend("numba")
    spec = kernel.spec(d)
    K = numba.dense(spec, numba.prepare(X, spec), numba.prepare(Y, spec))
    expected = kernel(X.astype(np.float64), Y.astype(np.float64))
    assert K.dtype == dtype and K.shape == (n, m)
    assert_allclose(K, expected, rtol=0, atol=TOLERANCE[dtype] * max(np.abs(expected).max(), 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "kernel",
    [
        pytest.param(kernels.RBF(gamma=0.3), id="rbf"),
        pytest.param(kernels.Laplacian(gamma=0.2), id="laplacian"),
        pytest.param(kernels.NTK(depth=2, b_std=0.2), id="ntk"),
    ],
)
@pytest.mark.parametrize("n, d", [(1100, 3), (2200, 6)], ids=["direct", "gemm"])
def test_numba_gram_computes_half_and_mirrors_it(kernel, dtype, n, d):
    # K(X, X) is computed from each row tile's diagonal block on and copied below:
    # sizes past several column blocks (512 direct, 1,024 GEMM), not multiples of
    # any tile, must give the reference everywhere and an exactly symmetric matrix.
    X, _ = make_data(n, 1, d, dtype)
    numba = get_backend("numba")
    spec = kernel.spec(d)
    prepared = numba.prepare(X, spec)
    K = numba.dense(spec, prepared, prepared)
    expected = kernel(X.astype(np.float64), X.astype(np.float64))
    assert K.dtype == dtype and K.flags.c_contiguous
    assert_allclose(K, expected, rtol=0, atol=TOLERANCE[dtype] * max(np.abs(expected).max(), 1))
    lower = np.tril_indices(n, -1)
    assert np.array_equal(K[lower], K.T[lower])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
def test_numpy_backend_matches_reference(kernel, dtype):
    check_backend_products("numpy", kernel, dtype, 131, 263, 3, 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
@pytest.mark.parametrize("n, m, d, k", [(1, 37, 3, 1), (131, 263, 3, 2)])
def test_keops_matches_reference(kernel, dtype, n, m, d, k):
    reason = backend_status()["keops"]
    if reason is not None:
        pytest.skip(reason)
    if not get_backend("keops").supports(kernel.spec(d)):
        # The neural kernels' recursion reuses each layer's values several times, and a
        # KeOps formula is a tree: its size grows exponentially with depth.
        pytest.skip(f"KeOps has no formula for {kernel!r}")
    check_backend_products("keops", kernel, dtype, n, m, d, k)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
def test_cupy_block_logic_on_numpy(kernel, dtype):
    """The CuPy backend's code, run with numpy as its array module."""
    backend = CuPyBackend(array_module=np)
    X, Y = make_data(131, 263, 3, dtype)
    V = np.random.default_rng(1).normal(size=(263, 2)).astype(dtype)
    spec = kernel.spec(3)
    got = backend.matmat(spec, backend.prepare(X, spec), backend.prepare(Y, spec), V)
    expected, scale = reference_product(kernel, X, Y, V)
    assert got.dtype == dtype
    assert np.all(np.abs(got - expected) <= TOLERANCE[dtype] * 10 * (scale + 1e-300))
    # A float64 operand gives a float64 product, as on the numpy reference.
    prepared = backend.prepare(X, spec), backend.prepare(Y, spec)
    got = backend.matmat(spec, *prepared, V.astype(np.float64))
    assert got.dtype == np.result_type(dtype, np.float64)
    assert np.all(np.abs(got - expected) <= TOLERANCE[dtype] * 10 * (scale + 1e-300))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
@pytest.mark.parametrize("n, m, d, k", [(1, 37, 3, 1), (131, 263, 3, 2), (70, 530, 21, 4)])
def test_cupy_matches_reference(kernel, dtype, n, m, d, k):
    reason = backend_status()["cupy"]
    if reason is not None:
        pytest.skip(f"no GPU here: {reason}")
    check_backend_products("cupy", kernel, dtype, n, m, d, k)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "kernel",
    [
        kernels.RBF(gamma=0.3),
        kernels.Laplacian(),
        kernels.Cosine(),
        kernels.NTK(depth=3, b_std=0.1),
        kernels.Chi2(),
    ],
)
def test_dask_matches_reference(dask_client, kernel, dtype):
    if isinstance(kernel, kernels.Chi2):
        # Kernels without an accelerated form run on the workers' numpy backend.
        X = np.abs(make_data(57, 1, 3, dtype)[0])
        op = KernelOperator(kernel, X, backend="dask")
        V = np.ones((57, 2), dtype=dtype)
        assert_allclose(op @ V, kernel(X) @ V, rtol=1e-5)
        return
    check_backend_products("dask", kernel, dtype, 131, 263, 3, 2)


def test_dask_spreads_rows_over_workers(dask_client):
    X, _ = make_data(100, 1, 2, np.float64)
    op = KernelOperator("rbf", X, backend="dask")
    assert len(op._X.blocks) == 2 * len(dask_client.scheduler_info()["workers"])
    holders = {w for who in dask_client.who_has(op._X.blocks).values() for w in who}
    assert len(holders) >= 2


def test_dask_workers_block_by_the_callers_working_memory(dask_client):
    # scikit-learn's configuration is per thread: without carrying it, the workers'
    # blocks followed their own 1024 MiB default.
    import sklearn

    from skkernel._accel import _dask

    with sklearn.config_context(working_memory=3):
        config = _dask._submit(dask_client, sklearn.get_config).result()
    assert config["working_memory"] == 3
    X, _ = make_data(90, 1, 2, np.float64)
    op = KernelOperator(kernels.Chi2(), np.abs(X), backend="dask")
    with sklearn.config_context(working_memory=1):
        assert_allclose(op.to_dense(), kernels.Chi2()(np.abs(X)), rtol=1e-12)


def test_dask_without_client_says_how_to_start_one(monkeypatch):
    from skkernel import BackendUnavailableError

    distributed = pytest.importorskip("distributed")

    def no_client():
        raise ValueError("No global client found and no address provided")

    # The session's LocalCluster may be active; hide it the way get_client reports it.
    monkeypatch.setattr(distributed, "get_client", no_client)
    with pytest.raises(BackendUnavailableError, match="no dask.distributed Client is active"):
        KernelOperator("rbf", np.ones((3, 2)), backend="dask")


def test_backends_report_availability():
    status = backend_status()
    assert status["numpy"] is None
    assert status["numba"] is None
    for name, reason in status.items():
        assert reason is None or isinstance(reason, str) and reason
        assert get_backend(name).name == name


@pytest.mark.parametrize("backend", ["numpy", "numba", "keops", "cupy-on-numpy"])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-14), (np.float32, 1e-6)])
@pytest.mark.parametrize("gamma", [1e-9, 1e-6, 0.03, 1.0])
def test_sigmoid_near_zero_keeps_its_relative_digits(backend, dtype, rtol, gamma):
    # KeOps' tanh was 1 - 2 / (exp(2z) + 1): near z = 0 one minus a number near 1, off
    # by eps / |z| relative (0.41 in float32 at gamma = 1e-9) where tanh(z) = z.
    rng = np.random.default_rng(0)
    X, Y = (rng.normal(size=(n, 3)).astype(dtype) for n in (60, 50))
    v = rng.uniform(0.5, 1.5, 50).astype(dtype)
    kernel = kernels.Sigmoid(gamma=gamma, coef0=0.0)
    K = np.tanh(gamma * X.astype(np.float64) @ Y.astype(np.float64).T)
    if backend == "cupy-on-numpy":
        cupy_like = CuPyBackend(array_module=np)
        spec = kernel.spec(3)
        x, y = cupy_like.prepare(X, spec), cupy_like.prepare(Y, spec)
        got = cupy_like.matmat(spec, x, y, v[:, None])[:, 0]
    else:
        if backend_status()[backend] is not None:
            pytest.skip(backend_status()[backend])
        got = KernelOperator(kernel, X, Y, backend=backend) @ v
    # Relative to the sum of magnitudes: the products' own rounding, no more.
    error = np.abs(got - K @ v) / (np.abs(K) @ v)
    assert error.max() < rtol


@pytest.mark.parametrize("backend", ["numpy", "numba", "keops", "cupy-on-numpy"])
def test_cosine_of_tiny_and_zero_rows_follows_sklearn(backend):
    """sklearn's normalize leaves rows of norm < 10 eps unscaled; so must every backend."""
    from sklearn.metrics.pairwise import cosine_similarity

    X = np.array([[4.09e-19, 0.0], [0.0, 0.0], [1.0, 2.0], [3e-16, 1e-16]])
    v = np.array([1.0, -2.0, 0.5, 3.0])
    expected = cosine_similarity(X) @ v
    if backend == "cupy-on-numpy":
        cupy_like = CuPyBackend(array_module=np)
        spec = kernels.Cosine().spec(2)
        handle = cupy_like.prepare(X, spec)
        got = cupy_like.matmat(spec, handle, handle, v[:, None])[:, 0]
    else:
        if backend_status()[backend] is not None:
            pytest.skip(backend_status()[backend])
        got = KernelOperator("cosine", X, backend=backend) @ v
    assert_allclose(got, expected, rtol=1e-12, atol=1e-30)
    assert_allclose(kernels.Cosine().diag(X), np.diag(cosine_similarity(X)), rtol=1e-12, atol=1e-30)


@pytest.mark.parametrize("backend", ["numpy", "numba", "keops", "cupy-on-numpy"])
@pytest.mark.parametrize("profile", ["tophat", "epanechnikov", "linear", "cosine"])
def test_compact_kernels_leave_out_the_sphere_of_radius_h(backend, profile):
    """Integer data meet r = h all the time: the tophat is 1 on the open ball only
    (KeOps counted the sphere: 21 neighbours instead of 2)."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(60, 3)).astype(float)
    kernel = kernels.DensityKernel(profile, bandwidth=1.0)
    expected = kernel(X, X).sum(axis=1)
    if profile == "tophat":
        np.testing.assert_array_equal(expected, (cdist(X, X) < 1).sum(axis=1))
    if backend == "cupy-on-numpy":
        cupy_like = CuPyBackend(array_module=np)
        spec = kernel.spec(3)
        handle = cupy_like.prepare(X, spec)
        got = cupy_like.matmat(spec, handle, handle, np.ones((60, 1)))[:, 0]
    else:
        if backend_status()[backend] is not None:
            pytest.skip(backend_status()[backend])
        got = KernelOperator(kernel, X, backend=backend) @ np.ones(60)
    assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel", ACCELERATED_KERNELS)
@pytest.mark.parametrize("offset", [1e3, 1e4])
@pytest.mark.parametrize("backend", ["numpy", "numba", "cupy-on-numpy", "keops"])
def test_float32_products_stay_accurate_far_from_the_origin(kernel, offset, backend):
    """Rows of offset + N(0, 1): |x|^2 + |y|^2 - 2 x.y in float32 lost every digit
    (940% off at 1e4); every backend must hold float32 accuracy on such data."""
    rng = np.random.default_rng(0)
    X = offset + rng.normal(size=(300, 10))
    Y = offset + rng.normal(size=(200, 10))
    if isinstance(kernel, kernels.Polynomial | kernels.Sigmoid | kernels.Linear):
        pytest.skip("dot-product kernels of such rows are dominated by |x|^2 anyway")
    v = rng.uniform(0.5, 1.5, size=200)
    X32, Y32, v32 = X.astype(np.float32), Y.astype(np.float32), v.astype(np.float32)
    # The reference is the float32 data themselves, in float64.
    X, Y, v = X32.astype(np.float64), Y32.astype(np.float64), v32.astype(np.float64)
    expected = kernel(X, Y) @ v
    if backend == "cupy-on-numpy":
        cupy_like = CuPyBackend(array_module=np)
        spec = kernel.spec(10)
        got = cupy_like.matmat(
            spec, cupy_like.prepare(X32, spec), cupy_like.prepare(Y32, spec), v32[:, None]
        )[:, 0]
    else:
        if backend_status()[backend] is not None:
            pytest.skip(backend_status()[backend])
        got = KernelOperator(kernel, X32, Y32, backend=backend) @ v32
    K = kernel(X, Y)
    # Relative accuracy per row, plus float32's resolution of each kernel value in the
    # support: near a compact kernel's edge, 1 - r^2/h^2 cancels and a row whose only
    # neighbours sit there cannot be relatively accurate in float32 arithmetic.
    scale = np.abs(K) @ np.abs(v)
    resolution = 1e-6 * ((K != 0) @ np.abs(v))
    assert np.all(np.abs(got - expected) <= 1e-4 * scale + resolution + 1e-30)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("n_features", [3, 8], ids=["direct", "gemm"])
@pytest.mark.parametrize("gamma", [1e16, 1e300])
def test_backends_keep_the_exact_diagonal_of_a_steep_kernel(backend, n_features, gamma):
    # Rounding in a self-distance turned k(x, x) = 1 into 0 (numpy, gamma = 1e300)
    # or 1.4e-4 (numba's GEMM path from 5 features, gamma = 1e16).
    X = np.random.default_rng(0).normal(size=(30, n_features))
    K = KernelOperator(kernels.RBF(gamma=gamma), X, backend=backend)
    ones = np.ones(30)
    np.testing.assert_array_equal(K @ ones, ones)
    np.testing.assert_array_equal(K.normal_matmat(ones), ones)
    np.testing.assert_array_equal(K.to_dense(), np.eye(30))
    np.testing.assert_array_equal(K.gram(), np.eye(30))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("backend", ["numpy", "numba", "keops", "cupy-on-numpy"])
@pytest.mark.parametrize("kernel", [kernels.RBF(gamma=0.0), kernels.Laplacian(gamma=0.0)])
def test_gamma_zero_is_the_constant_kernel_even_where_distances_overflow(backend, kernel):
    # 0 * inf is NaN: distances of rows 1e155 apart made numba's RBF the identity and
    # numpy's and KeOps' NaN, where scikit-learn's gamma = 0 means all ones.
    X = np.array([[1e155, 0.0], [-1e155, 1.0], [0.0, 2.0], [3e307, 0.0], [-3e307, 0.0]])
    v = np.array([1.0, -2.0, 0.5, 3.0, 0.25])
    if backend == "cupy-on-numpy":
        cupy_like = CuPyBackend(array_module=np)
        spec = kernel.spec(2)
        handle = cupy_like.prepare(X, spec)
        got = cupy_like.matmat(spec, handle, handle, v[:, None])[:, 0]
    else:
        if backend_status()[backend] is not None:
            pytest.skip(backend_status()[backend])
        operator = KernelOperator(kernel, X, backend=backend)
        np.testing.assert_array_equal(operator.to_dense(), np.ones((5, 5)))
        np.testing.assert_array_equal(operator.block(slice(0, 2), slice(1, 5)), np.ones((2, 4)))
        got = operator @ v
    np.testing.assert_array_equal(got, np.full(5, v.sum()))
    np.testing.assert_array_equal(kernel.spec(2).log_dense(X, X), np.zeros((5, 5)))


@pytest.mark.parametrize(
    "kernel",
    [
        kernels.RBF(gamma=0.5),
        kernels.Matern(nu=2.5),
        kernels.NNGP(),
        kernels.NTK(),
        kernels.ArcCosine(),
        kernels.Chi2(),
        kernels.DensityKernel("cosine", 1.0),
        kernels.DensityKernel("tophat", 1.0),
    ],
    ids=repr,
)
def test_numpy_blocks_stay_within_working_memory(kernel):
    # Blocks were sized for two temporaries whatever the formula: Matern's, the
    # neural kernels' and the arc-cosine's hold 6-8 (28-32 MiB under a working_memory
    # of 8), now counted per family (KernelFamily.block_copies).
    import tracemalloc

    import sklearn

    rng = np.random.default_rng(0)
    X, Y = np.abs(rng.normal(size=(4000, 5))), np.abs(rng.normal(size=(2000, 5)))
    operator = KernelOperator(kernel, X, Y, backend="numpy")
    v = rng.normal(size=2000)
    with sklearn.config_context(working_memory=8):
        tracemalloc.start()
        try:
            operator @ v
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # A quarter more for the vectors and row norms next to the blocks.
    assert peak <= 1.25 * 8 * 2**20


def test_auto_prefers_a_gpu_then_numba_then_numpy(monkeypatch):
    # The products' auto order: CuPy where a GPU is there and the family has a
    # formula, numba next, the numpy reference for what neither evaluates.
    from skkernel._accel import _BACKENDS, resolve_backend

    rbf, chi2 = kernels.RBF().spec(3), kernels.Chi2().spec(3)
    monkeypatch.setattr(_BACKENDS["cupy"], "available", lambda: None)
    assert resolve_backend("auto", rbf) is _BACKENDS["cupy"]
    monkeypatch.setattr(_BACKENDS["cupy"], "available", lambda: "no GPU")
    assert resolve_backend("auto", rbf) is _BACKENDS["numba"]
    assert resolve_backend("auto", chi2) is _BACKENDS["numpy"]
    monkeypatch.setattr(_BACKENDS["numba"], "available", lambda: "no numba")
    assert resolve_backend("auto", rbf) is _BACKENDS["numpy"]

"""KernelOperator: products, scipy interop, configuration, memory and errors."""

import copy
import io
import pickle
import tracemalloc

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from scipy.sparse.linalg import LinearOperator, aslinearoperator, cg, eigsh

import skkernel
from skkernel import BackendUnavailableError, KernelOperator, kernels
from skkernel._accel import backend_status

from ._helpers import hide_module, make_data


def test_is_a_scipy_linear_operator_usable_by_its_solvers():
    X, _ = make_data(200, 1, 3, np.float64)
    K = KernelOperator(kernels.RBF(gamma=0.5), X)
    assert isinstance(K, LinearOperator)
    y = np.sin(X[:, 0])
    A = K + aslinearoperator(0.1 * np.eye(200))
    coef, info = cg(A, y, rtol=1e-10)
    assert info == 0
    dense = kernels.RBF(gamma=0.5)(X)
    assert_allclose(coef, np.linalg.solve(dense + 0.1 * np.eye(200), y), rtol=1e-6, atol=1e-8)
    top = eigsh(K, k=3, return_eigenvectors=False)
    assert_allclose(np.sort(top), np.sort(np.linalg.eigvalsh(dense)[-3:]), rtol=1e-8)


def test_shape_dtype_and_dense_views():
    X, Y = make_data(13, 9, 2, np.float32)
    K = KernelOperator("laplacian", X, Y)
    assert K.shape == (13, 9) and K.dtype == np.float32
    dense = kernels.Laplacian()(X, Y)
    assert_allclose(K.to_dense(), dense)
    assert_allclose(K.block([0, 4], slice(2, 5)), dense[[0, 4]][:, 2:5])
    assert_allclose(K.diag(), np.diag(dense), rtol=1e-6)
    assert K.T.shape == (9, 13)
    assert_allclose(K.T @ np.ones(13, dtype=np.float32), dense.T @ np.ones(13), rtol=1e-5)


def test_y_none_means_x():
    X, _ = make_data(10, 1, 3, np.float64)
    K = KernelOperator("rbf", X)
    assert K.Y is K.X
    assert_allclose(K.diag(), np.ones(10))


def test_estimator_style_kernel_arguments():
    X, _ = make_data(10, 1, 3, np.float64)
    K = KernelOperator(skkernel.make_kernel("poly", gamma=0.5, degree=2), X)
    assert_allclose(
        K.to_dense(), sklearn.metrics.pairwise.polynomial_kernel(X, degree=2, gamma=0.5)
    )


def test_config_context_selects_the_backend():
    X, _ = make_data(5, 1, 2, np.float64)
    assert KernelOperator("rbf", X).backend == "numba"
    with skkernel.config_context(backend="numpy"):
        assert skkernel.get_config()["backend"] == "numpy"
        assert KernelOperator("rbf", X).backend == "numpy"
        # An explicit backend wins over the configuration.
        assert KernelOperator("rbf", X, backend="numba").backend == "numba"
    assert skkernel.get_config()["backend"] == "auto"


def test_auto_uses_numpy_for_kernels_without_an_accelerated_form():
    X = np.abs(make_data(5, 1, 2, np.float64)[0])
    assert KernelOperator("chi2", X).backend == "numpy"
    assert KernelOperator(lambda x, y: x @ y, X).backend == "numpy"


def test_show_backends_explains_each_backend():
    out = io.StringIO()
    status = skkernel.show_backends(file=out)
    text = out.getvalue()
    for name in ("numpy", "numba", "keops", "cupy", "dask"):
        assert name in text
    assert "(auto)" in text
    assert set(status) == {"numpy", "numba", "keops", "cupy", "dask"}


def test_unknown_backend_name():
    with pytest.raises(ValueError, match="Unknown backend 'fortran'"):
        KernelOperator("rbf", np.ones((2, 2)), backend="fortran")
    with pytest.raises(ValueError, match="Unknown backend"):
        skkernel.set_config(backend="fortran")
    assert skkernel.get_config()["backend"] == "auto"


def test_backend_without_the_kernel_family():
    with pytest.raises(ValueError, match="no implementation of this kernel"):
        KernelOperator("chi2", np.ones((2, 2)), backend="numba")


def test_missing_optional_backend_says_how_to_install(monkeypatch):
    from skkernel._accel._cupy import _device_status

    hide_module(monkeypatch, "cupy")
    _device_status.cache_clear()  # the status is asked once per process
    try:
        with pytest.raises(BackendUnavailableError, match=r"pip install 'skkernel\[gpu\]'"):
            KernelOperator("rbf", np.ones((2, 2)), backend="cupy")
    finally:
        _device_status.cache_clear()


def test_missing_keops_says_how_to_install(monkeypatch):
    hide_module(monkeypatch, "pykeops")
    with pytest.raises(BackendUnavailableError, match=r"pip install 'skkernel\[keops\]'"):
        KernelOperator("rbf", np.ones((2, 2)), backend="keops")


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_bad_operands_are_rejected_and_nothing_is_changed(backend):
    X, _ = make_data(6, 1, 2, np.float64)
    X_before = X.copy()
    K = KernelOperator("rbf", X, backend=backend)
    with pytest.raises(ValueError, match="NaN or infinity"):
        K @ np.array([1.0, np.nan, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="dimension mismatch"):
        K @ np.ones(5)
    with pytest.raises(TypeError, match="real numeric"):
        K @ np.array(["a"] * 6)
    assert_allclose(X, X_before)
    assert_allclose(K @ np.ones(6), kernels.RBF()(X) @ np.ones(6))


@pytest.mark.parametrize(
    "X, Y, error, match",
    [
        (np.array([[np.nan, 1.0]]), None, ValueError, "NaN"),
        (np.ones((3, 2)), np.array([[np.inf, 1.0]]), ValueError, "infinity"),
        (np.ones((3, 2)), np.ones((3, 4)), ValueError, "same number of features"),
        (np.ones((2, 2, 2)), None, ValueError, "2-D array"),
        (np.empty((0, 3)), None, ValueError, "0 sample"),
    ],
)
def test_bad_inputs_are_rejected(X, Y, error, match):
    with pytest.raises(error, match=match):
        KernelOperator("rbf", X, Y)


def test_sparse_inputs_are_rejected():
    import scipy.sparse as sp

    with pytest.raises(TypeError, match="sparse"):
        KernelOperator("rbf", sp.eye(3, format="csr"))


def test_mixed_dtypes_promote_to_float64():
    X32, Y64 = make_data(4, 5, 2, np.float32)[0], make_data(4, 5, 2, np.float64)[1]
    assert KernelOperator("rbf", X32, Y64).dtype == np.float64


def _peak_bytes(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_numpy_backend_holds_one_block_of_k_at_a_time():
    n = 3000  # K would take 72 MB
    X, _ = make_data(n, 1, 3, np.float64)
    K = KernelOperator("rbf", X, backend="numpy")
    v = np.ones((n, 1))
    with sklearn.config_context(working_memory=4):  # 4 MiB
        peak = _peak_bytes(lambda: K @ v)
    assert peak < 10 * 2**20, peak


def test_numba_backend_never_allocates_a_kernel_block():
    n = 3000
    for d in (3, 40):  # the direct and the GEMM paths
        X, _ = make_data(n, 1, d, np.float64)
        K = KernelOperator("rbf", X, backend="numba")
        v = np.ones((n, 1))
        K @ v  # compile first: compilation allocates too
        peak = _peak_bytes(lambda K=K, v=v: K @ v)
        assert peak < 4 * 2**20, (d, peak)  # K itself would take 72 MB


def test_gram_matches_the_kernel_with_weights():
    X = np.random.default_rng(0).normal(size=(80, 3))
    K = kernels.RBF(gamma=0.5)(X)
    s = np.linspace(0.5, 2.0, len(X))
    op = KernelOperator(kernels.RBF(gamma=0.5), X)
    assert_allclose(op.gram(), K, atol=1e-14)
    assert_allclose(op.gram(row_scale=s), s[:, None] * K * s, atol=1e-13)
    assert_allclose(np.diag(op.gram()), 1.0, rtol=0, atol=0)  # exact diagonal


@pytest.mark.parametrize(
    "kernel, numba_fills",
    [
        (kernels.RBF(gamma=0.3), True),
        (kernels.Laplacian(gamma=0.3), True),
        (kernels.Matern(nu=1.5), True),
        (kernels.Polynomial(degree=2), False),
        (kernels.Cosine(), False),
    ],
)
@pytest.mark.parametrize("d", [2, 12])
def test_dense_blocks_of_exponential_families_come_from_numba(kernel, numba_fills, d, monkeypatch):
    # The dense auto-choice: numba's fused pass for the families whose cost is their
    # kernel values, scikit-learn's pairwise code for the dot-product ones.
    from skkernel._accel import get_backend

    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(70, d)), rng.normal(size=(300, d))
    numba = get_backend("numba")
    calls = []
    dense = numba.dense
    monkeypatch.setattr(numba, "dense", lambda *args: calls.append(1) or dense(*args))
    K = KernelOperator(kernel, X, Y).to_dense()
    assert K.dtype == np.float64 and len(calls) == int(numba_fills)
    assert_allclose(K, kernel(X, Y), rtol=0, atol=1e-13)
    # float32 is left to sklearn (float64 distances), and keeps its dtype.
    K32 = KernelOperator(kernel, X.astype(np.float32), Y.astype(np.float32)).to_dense()
    assert K32.dtype == np.float32 and len(calls) == int(numba_fills)
    assert_allclose(K32, K, rtol=0, atol=1e-5)
    # Into a caller's buffer (a view of a larger one, as thinning reuses it).
    buffer = np.full(X.shape[0] * Y.shape[0] + 5, np.nan)
    out = buffer[: K.size].reshape(K.shape)
    assert KernelOperator(kernel, X, Y).to_dense(out=out) is out
    np.testing.assert_array_equal(out, K)
    assert np.isnan(buffer[K.size :]).all()


@pytest.mark.parametrize("weights", [[1.0, -1.0, 1.0], [1.0, np.nan, 1.0]])
def test_normal_matmat_refuses_bad_weights(weights):
    X, Y = make_data(3, 2, 2, np.float64)
    with pytest.raises(ValueError, match="finite and non-negative"):
        KernelOperator("rbf", X, Y).normal_matmat(np.ones(2), weights=np.array(weights))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_out_is_checked_before_any_backend_writes_into_it(backend):
    # numba fills out without bounds checks: a wrong shape wrote past its end.
    X, Y = make_data(6, 4, 3, np.float64)
    K = KernelOperator("rbf", X, Y, backend=backend)
    buffer = np.zeros(40)
    wrong_shape, int64, float32 = (
        buffer[:24].reshape(4, 6),
        np.zeros((6, 4), np.int64),
        np.zeros((6, 4), np.float32),
    )
    for out in [wrong_shape, int64, float32, np.zeros((4, 6)).T]:
        with pytest.raises(ValueError, match="out must be a writeable C-contiguous"):
            K.to_dense(out=out)
    assert not buffer.any()
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        K.block([0, 1], slice(1, 4), out=np.zeros((3, 2)))
    out = np.zeros((2, 3))
    assert K.block([0, 1], slice(1, 4), out=out) is out
    assert_allclose(out, K.to_dense()[:2, 1:4])


@pytest.mark.parametrize("backend", ["numpy", "numba", "dask"])
def test_empty_blocks_and_operands(backend, request):
    if backend == "dask":
        request.getfixturevalue("dask_client")
    X, _ = make_data(5, 1, 3, np.float64)
    K = KernelOperator("rbf", X, backend=backend)
    assert K.block([0, 1], np.zeros(5, bool)).shape == (2, 0)
    assert K.block(np.zeros(5, bool), slice(None)).shape == (0, 5)
    assert (K @ np.ones((5, 0))).shape == (5, 0)
    assert (K.T @ np.ones((5, 0))).shape == (5, 0)
    assert K.normal_matmat(np.ones((5, 0))).shape == (5, 0)


def test_gram_refuses_row_scale_of_another_length():
    X, _ = make_data(5, 1, 3, np.float64)
    K = KernelOperator("rbf", X)
    for row_scale in (np.array([2.0]), np.ones(3)):
        with pytest.raises(ValueError, match=r"row_scale must have shape \(5,\)"):
            K.gram(row_scale)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize(
    "kernel",
    [
        kernels.DensityKernel("tophat", 0.02),
        kernels.DensityKernel("epanechnikov", 0.02),
        kernels.DensityKernel("gaussian", 0.02),
        kernels.RBF(gamma=1e3),
        kernels.Matern(nu=1.5, length_scale=0.02),
    ],
)
def test_distance_kernels_of_data_far_from_the_origin(backend, kernel):
    # 5 features take numba's GEMM path, whose ||x||^2 + ||y||^2 - 2 x.y cancelled the
    # digits of data at 1e4 +- 0.01 (tophat values flipped between 0 and 1).
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(0)
    X = 1e4 + 0.01 * rng.normal(size=(300, 5))
    Y = 1e4 + 0.01 * rng.normal(size=(50, 5))
    spec = kernel.spec(5)
    exact = spec.family.values(cdist(X, Y, spec.statistic), spec.params, np, None, None)
    K = KernelOperator(kernel, X, Y, backend=backend)
    assert_allclose(K.to_dense(), exact, rtol=0, atol=1e-9)
    assert_allclose(K @ np.ones(50), exact.sum(axis=1), rtol=1e-9)


@pytest.mark.parametrize("backend", ["numpy", "numba", "keops"])
def test_operators_pickle_and_deep_copy_on_every_cpu_backend(backend):
    # The prepared row norms kept the array module itself: numba and KeOps operators
    # (and any after gram() built a numba dense block) failed to pickle.
    if backend_status()[backend] is not None:
        pytest.skip(backend_status()[backend])
    X = np.random.default_rng(0).normal(size=(100, 3))
    operator = KernelOperator("rbf", X, backend=backend)
    K = operator.gram()
    v = np.ones(100)
    for clone_of in (lambda o: pickle.loads(pickle.dumps(o)), copy.deepcopy):
        copied = clone_of(operator)
        np.testing.assert_allclose(copied @ v, operator @ v)
        np.testing.assert_allclose(copied.gram(), K)


def test_a_loaded_auto_operator_chooses_its_backend_again(monkeypatch):
    # The resolved backend was pickled: an "auto" operator saved where it had run on
    # CuPy failed to load without cupy (ModuleNotFoundError). The request is saved.
    from skkernel import _operator

    X = np.random.default_rng(0).normal(size=(30, 3))
    saved = pickle.dumps(KernelOperator("rbf", X))
    chosen = []
    resolve = _operator.resolve_backend
    monkeypatch.setattr(
        _operator, "resolve_backend", lambda *args: chosen.append(args[0]) or resolve(*args)
    )
    loaded = pickle.loads(saved)
    assert chosen == ["auto"]
    np.testing.assert_allclose(loaded @ np.ones(30), KernelOperator("rbf", X) @ np.ones(30))
    # One that followed the thread's configuration follows the loading thread's (a
    # config_context(backend="keops") operator failed to load without pykeops).
    with skkernel.config_context(backend="numpy"):
        saved = pickle.dumps(KernelOperator("rbf", X))
    chosen.clear()
    pickle.loads(saved)
    assert chosen == ["auto"]
    with skkernel.config_context(backend="numpy"):
        assert pickle.loads(saved).backend == "numpy"


def test_a_long_double_operand_is_computed_in_float64_on_every_backend():
    # numba failed to type it ("non-precise type pyobject"); numpy returned float128.
    X = np.random.default_rng(0).normal(size=(20, 3))
    v = np.ones(20, dtype=np.longdouble)
    expected = KernelOperator("rbf", X, backend="numpy") @ np.ones(20)
    for backend in ("numpy", "numba"):
        product = KernelOperator("rbf", X, backend=backend) @ v
        assert product.dtype == np.float64
        np.testing.assert_allclose(product, expected, rtol=1e-12)


def test_a_saved_operator_keeps_its_operands_shared(tmp_path):
    # joblib saved X, Y and both prepared copies (four times the data), and a loaded
    # K(X, X) had lost `Y is X`; loaded as memory maps, KeOps refused them.
    import joblib

    from skkernel import backend_status

    X = np.random.default_rng(0).normal(size=(2000, 10))
    v = np.ones(2000)
    backends = ["numpy", "numba"] + (["keops"] if backend_status()["keops"] is None else [])
    for backend in backends:
        operator = KernelOperator("rbf", X, backend=backend)
        path = tmp_path / f"{backend}.joblib"
        joblib.dump(operator, path)
        assert path.stat().st_size < 1.2 * X.nbytes
        for mmap_mode in (None, "r"):
            loaded = joblib.load(path, mmap_mode=mmap_mode)
            assert loaded.Y is loaded.X
            np.testing.assert_array_equal(loaded @ v, operator @ v)

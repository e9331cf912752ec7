"""The NNGP and NTK kernels: neural-tangents' values, closed forms, the path, errors."""

import importlib.util
import itertools
import json
import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from skkernel import NNGP, NTK, ArcCosine, KernelOperator, make_kernel
from skkernel._accel import get_backend
from skkernel._accel._cupy import CuPyBackend

from .._helpers import make_data

#: Activation name -> (neural-tangents layer factory, our activation_params).
ACTIVATIONS = {
    "relu": (lambda stax: stax.Relu(), None),
    "leaky_relu": (lambda stax: stax.LeakyRelu(0.1), {"alpha": 0.1}),
    "abrelu": (lambda stax: stax.ABRelu(-0.3, 1.2), {"a": -0.3, "b": 1.2}),
    "erf": (lambda stax: stax.Erf(a=1.3, b=0.7, c=0.2), {"a": 1.3, "b": 0.7, "c": 0.2}),
    "gelu": (lambda stax: stax.Gelu(), None),
}


@pytest.fixture(scope="module")
def stax():
    """neural-tangents' stax in float64, or a skip: it is a test oracle, not a dependency."""
    if importlib.util.find_spec("neural_tangents") is None:
        pytest.skip(
            "neural-tangents is not installed (pip install --no-deps neural-tangents==0.6.5 "
            "jax==0.5.3 jaxlib==0.5.3 frozendict)"
        )
    # neural_tangents/__init__ imports its experimental module, which needs TensorFlow;
    # nothing here uses it.
    sys.modules.setdefault(
        "neural_tangents.experimental", types.ModuleType("neural_tangents.experimental")
    )
    import jax

    jax.config.update("jax_enable_x64", True)
    from neural_tangents import stax

    return stax


def neural_tangents_kernels(stax, activation, depth, W_std, b_std, parameterization, fixed):
    """neural-tangents' NNGP and NTK of a network whose first ``fixed`` blocks are not
    trained: the kernel after them gets a zero NTK before the trained layers."""
    layer, _ = ACTIVATIONS[activation]

    def dense(width):
        return stax.Dense(width, W_std=W_std, b_std=b_std, parameterization=parameterization)

    blocks = [part for _ in range(depth) for part in (dense(64), layer(stax))]
    top = stax.serial(*blocks[2 * fixed :], dense(1))[2]

    def kernels(X, Y):
        if fixed == 0:
            k = top(X, Y, ("nngp", "ntk"))
        else:
            bottom = stax.serial(*blocks[: 2 * fixed])[2](X, Y)
            k = top(bottom.replace(ntk=0.0 * bottom.ntk), get=("nngp", "ntk"))
        return np.asarray(k.nngp), np.asarray(k.ntk)

    return kernels


@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_neural_tangents_values(stax, activation, parameterization):
    X, Y = make_data(7, 6, 5, np.float64, seed=3)
    Y *= 1.5
    params = ACTIVATIONS[activation][1]
    for depth, b_std in itertools.product(range(1, 5), [None, 0.3]):
        for fixed in range(depth + 1):
            nngp, ntk = neural_tangents_kernels(
                stax, activation, depth, 1.3, b_std, parameterization, fixed
            )(X, Y)
            common = {"activation": activation, "activation_params": params, "W_std": 1.3}
            ours_ntk = NTK(
                depth,
                b_std=b_std,
                parameterization=parameterization,
                width=64,
                fixed_layers=fixed,
                **common,
            )(X, Y)
            ours_nngp = NNGP(depth, b_std=b_std, **common)(X, Y)
            assert_allclose(ours_ntk, ntk, rtol=1e-12, atol=1e-12 * np.abs(ntk).max())
            assert_allclose(ours_nngp, nngp, rtol=1e-12, atol=1e-12 * np.abs(nngp).max())


# neural-tangents 0.6.5 in float64: 2 hidden layers, W_std = sqrt(2), b_std = 0.1, "ntk"
# parameterization, on the rows below (research notes, section B).
GOLDEN_X = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [-0.5, 0.5, 2.0]])
GOLDEN = {
    "relu": (
        [0.696666666666667, 0.51809364123508, 0.636503915865177],
        [2.060000000000001, 1.08201799249605, 0.736930807991154],
    ),
    "erf": (
        [0.849237519836995, 0.477539297847883, -0.151070273068295],
        [2.953008209415012, 1.467782938986165, -0.484776020985754],
    ),
    "gelu": (
        [0.43527848618671, 0.27708743363791, 0.272825569102168],
        [1.374459906462375, 0.716908546745895, 0.259736615947123],
    ),
}


@pytest.mark.parametrize("activation", list(GOLDEN))
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_golden_values_of_neural_tangents(activation, backend):
    nngp_row, ntk_row = GOLDEN[activation]
    kw = {"depth": 2, "activation": activation, "W_std": math.sqrt(2), "b_std": 0.1}
    nngp = KernelOperator(NNGP(**kw), GOLDEN_X, backend=backend).gram()
    ntk = KernelOperator(NTK(**kw), GOLDEN_X, backend=backend).gram()
    # The notes print 15 significant digits.
    assert_allclose(nngp[0], nngp_row, rtol=1e-13)
    assert_allclose(ntk[0], ntk_row, rtol=1e-13)
    if activation == "relu":
        # By hand for x = e1 (d = 3): Sigma 1/3 -> .67667 -> .33833 -> .68667 -> .34333
        # -> .69667; Theta .67667 -> .33833 -> 1.36333 -> .68167 -> 2.06; and x3 likewise.
        assert_allclose(ntk[2, 2], 9.060000000000006, rtol=1e-14)


# neural-tangents 0.6.5 in float64 on GOLDEN_X, row 0, for the settings that
# test_neural_tangents_values compares only where neural-tangents is installed: each
# activation with its parameters (ACTIVATIONS), both parameterizations (width 64), 2
# hidden layers, W_std = 1.3, b_std = 0.3; NNGP, NTK, and the NTK with the first
# hidden layer fixed (how they were made: the file's "source").
GOLDEN_SETTINGS = json.loads(
    (Path(__file__).parent / "data" / "neural_tangents_values.json").read_text()
)["values"]


@pytest.mark.parametrize(
    "golden", GOLDEN_SETTINGS, ids=lambda g: f"{g['activation']}-{g['parameterization']}"
)
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_golden_values_of_every_activation_and_parameterization(golden, backend):
    common = {
        "activation": golden["activation"],
        "activation_params": ACTIVATIONS[golden["activation"]][1],
        "W_std": 1.3,
        "b_std": 0.3,
    }
    ntk = {"parameterization": golden["parameterization"], "width": 64, **common}
    kernels = {
        "nngp": NNGP(2, **common),
        "ntk": NTK(2, **ntk),
        "ntk_fixed_layers_1": NTK(2, fixed_layers=1, **ntk),
    }
    for name, kernel in kernels.items():
        ours = KernelOperator(kernel, GOLDEN_X[:1], GOLDEN_X, backend=backend).to_dense()
        assert_allclose(ours[0], golden[name], rtol=1e-14)


def test_one_relu_layer_is_the_arc_cosine_kernel():
    # Cho & Saul's k_1 and k_0: NNGP = k_1 / (2 d), NTK = (k_1 + <x, y> k_0) / (2 d).
    X, Y = make_data(20, 15, 4, np.float64)
    d = X.shape[1]
    k0, k1 = ArcCosine(order=0)(X, Y), ArcCosine(order=1)(X, Y)
    assert_allclose(NNGP(1, W_std=1.0)(X, Y), k1 / (2 * d), rtol=1e-12)
    assert_allclose(NTK(1, W_std=1.0)(X, Y), (k1 + X @ Y.T * k0) / (2 * d), rtol=1e-12)


def arora_kernels(X, depth):
    """Arora et al.'s NTK of ``dep`` hidden ReLU layers with ``fix`` fixed, written
    from the paper's recursion (c_sigma = 1, Sigma^0 = <x, y>, no bias)."""
    S = X @ X.T
    out = {}
    for fix in range(depth + 1):
        sigma, theta = S.copy(), np.zeros_like(S)
        for dep in range(depth + 1):
            if fix <= dep:
                theta = theta + sigma
            out[dep, fix] = theta.copy()
            norms = np.sqrt(np.outer(np.diag(sigma), np.diag(sigma)))
            cos = np.clip(sigma / norms, -1, 1)
            angle = np.arccos(cos)
            sigma = (cos * (np.pi - angle) + np.sqrt(1 - cos**2)) * norms / (2 * np.pi)
            theta = theta * (np.pi - angle) / (2 * np.pi)
    return out


def test_arora_et_al_kernels_are_a_scaled_ntk():
    # Their code's kernel is d times the NTK with W_std = 1 and no bias.
    X, _ = make_data(15, 1, 6, np.float64, seed=2)
    expected = arora_kernels(X, 4)
    for (depth, fixed), K in expected.items():
        if fixed > depth:
            continue
        ours = NTK(depth, W_std=1.0, fixed_layers=fixed)(X)
        assert_allclose(X.shape[1] * ours, K, rtol=1e-10, atol=1e-12 * np.abs(K).max())


@pytest.mark.parametrize(
    "kernel",
    [
        NTK(3),
        NTK(2, activation="erf", b_std=0.5),
        NTK(4, activation="gelu", parameterization="standard", width=10, fixed_layers=2),
        NNGP(5, activation="leaky_relu", b_std=0.1),
        NTK(2, activation="abrelu", activation_params={"a": -1.0, "b": 1.0}),
    ],
)
def test_gram_matrices_are_positive_semi_definite(kernel):
    X, _ = make_data(120, 1, 5, np.float64, seed=4)
    X[10] = X[3]  # a repeated row
    X[20] = 0.0  # and a zero one
    K = KernelOperator(kernel, X).gram()
    assert_allclose(K, K.T, rtol=1e-13, atol=1e-14 * np.abs(K).max())
    eigenvalues = np.linalg.eigvalsh(K)
    assert eigenvalues.min() >= -1e-12 * eigenvalues.max()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_gram_diagonal_is_exact(backend):
    # A GEMM's <x, x> and the squared norm may differ in their last bit, which the
    # arc-cosine steps would turn into an angle of 1e-8: Gram diagonals are paired.
    X, _ = make_data(64, 1, 30, np.float64, seed=5)
    X *= np.exp(np.random.default_rng(0).normal(size=(64, 1)) * 3)
    kernel = NTK(5, b_std=None)
    K = KernelOperator(kernel, X, backend=backend).gram()
    assert_allclose(np.diag(K), kernel.diag(X), rtol=1e-15)
    # Without bias, the ReLU NTK of x with itself is (depth + 1) W_std^2 ||x||^2 / d ...
    assert_allclose(kernel.diag(X), 6 * 2 * (X**2).sum(1) / 30, rtol=1e-14)
    # ... and so is the diagonal of the reference matrix.
    assert_allclose(np.diag(kernel(X)), kernel.diag(X), rtol=1e-15)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_path_gram_diagonals_are_exact(backend):
    # Each matrix of a Gram path gets the exact (paired) diagonal, as gram() does.
    X, _ = make_data(64, 1, 30, np.float64, seed=5)
    X *= np.exp(np.random.default_rng(0).normal(size=(64, 1)) * 3)
    operator = KernelOperator(NTK(5, b_std=None), X, backend=backend)
    pairs = list(operator.path(depth=[1, 3, 5], fixed_layers=[0, 2]))
    assert len(pairs) == 5  # fixed_layers=2 needs depth >= 2
    for params, K in pairs:
        assert_allclose(np.diag(K), NTK(b_std=None, **params).diag(X), rtol=1e-15, err_msg=params)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "erf", "gelu"])
@pytest.mark.parametrize("n_features", [3, 12])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_blocks_match_the_reference(activation, n_features, dtype):
    # Both numba statistics (direct sums for few features, GEMM tiles for many).
    X, Y = make_data(37, 530, n_features, dtype, seed=6)
    numba = get_backend("numba")
    for kernel in [
        NTK(3, activation=activation, b_std=0.3),
        NTK(2, activation=activation, parameterization="standard", width=7, fixed_layers=1),
        NTK(4, activation=activation, fixed_layers=4),
        NNGP(0, activation=activation),
        NNGP(3, activation=activation, W_std=0.9, b_std=0.2),
    ]:
        spec = kernel.spec(n_features)
        K = numba.dense(spec, numba.prepare(X, spec), numba.prepare(Y, spec))
        expected = kernel(X.astype(np.float64), Y.astype(np.float64))
        assert K.dtype == dtype
        tolerance = 1e-13 if dtype == np.float64 else 1e-6
        assert_allclose(K, expected, rtol=0, atol=tolerance * np.abs(expected).max())


def test_float32_input_is_accurate():
    # The dot products are taken in float64: float32 values are the float64 ones rounded.
    X, Y = make_data(50, 40, 8, np.float32, seed=7)
    X += 100.0  # far from the origin: nearly parallel rows
    kernel = NTK(3, b_std=0.1)
    K32 = KernelOperator(kernel, X, Y).to_dense()
    K64 = kernel(X.astype(np.float64), Y.astype(np.float64))
    assert K32.dtype == np.float32
    assert_allclose(K32, K64, rtol=2e-6)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize(
    "kernel, power, power_parallel",
    [
        (NTK(1, activation="erf"), 0, 1),
        (NNGP(1, activation="gelu"), 2, 2),
        (NTK(2, activation="gelu"), 2, 2),
    ],
    ids=["ntk-erf", "nngp-gelu", "ntk-gelu"],
)
def test_erf_and_gelu_stay_finite_at_huge_norms(kernel, power, power_parallel, backend):
    # Their gaps (1 + 2 q1)(1 + 2 q2) - 4 c^2 and (q1 + 1)(q2 + 1) - c^2 rounded to 0
    # once q reached ~1e16 (features of ~1e8), and the kernels returned inf and NaN.
    # Far out they are homogeneous in the scale: GELU's of degree 2 (it is ReLU
    # there); erf's NTK of degree 1 on the diagonal and 0 off it. (A parallel pair is
    # only finite: q1 q2 - c^2 = 0 is lost to rounding of c, eps q^2, there.)
    X = make_data(6, 6, 7, np.float64, seed=3)[0]
    X[1] = 2 * X[0]
    K = {s: KernelOperator(kernel, s * X, backend=backend).gram() for s in (1e7, 1e9)}
    assert np.isfinite(K[1e9]).all()
    growth = 100.0 ** np.where(np.eye(6, dtype=bool), power_parallel, power)
    rows = np.r_[0, 2:6]
    assert_allclose(K[1e9][np.ix_(rows, rows)], (K[1e7] * growth)[np.ix_(rows, rows)], rtol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "numba", "cupy-on-numpy"])
@pytest.mark.parametrize("same", [True, False])
def test_path_equals_the_kernels_one_by_one(backend, same):
    X, Y = make_data(40, 30, 5, np.float64, seed=8)
    Y = None if same else Y
    for base in [
        NTK(activation="erf", b_std=0.2),
        NTK(activation="relu", parameterization="standard", width=9, b_std=0.1),
        NTK(activation="gelu"),
    ]:
        if backend == "cupy-on-numpy":
            cupy_like = CuPyBackend(array_module=np)
            spec = base.set_params(depth=4, fixed_layers=0).spec(5)
            rows, cols = cupy_like.prepare(X, spec), cupy_like.prepare(X if same else Y, spec)
            values = {"depth": [1, 3, 4], "fixed_layers": [0, 2, 3]}
            pairs = list(cupy_like.dense_path(spec, rows, cols, values))
        else:
            operator = KernelOperator(base, X, Y, backend=backend)
            pairs = list(operator.path(depth=[4, 1, 3], fixed_layers=[0, 2, 3]))
        seen = []
        for params, K in pairs:
            seen.append((params["depth"], params["fixed_layers"]))
            expected = clone(base).set_params(**params)(X, Y)
            assert_allclose(K, expected, rtol=1e-13, atol=1e-14 * np.abs(expected).max())
        assert seen == [(1, 0), (3, 0), (3, 2), (3, 3), (4, 0), (4, 2), (4, 3)]
    if backend != "cupy-on-numpy":
        operator = KernelOperator(NNGP(activation="erf", b_std=0.2), X, Y, backend=backend)
        depths = [params["depth"] for params, _ in operator.path(depth=[0, 2])]
        assert depths == [0, 2]
        for params, K in KernelOperator(NNGP(activation="gelu"), X, Y).path(depth=[2, 1]):
            assert_allclose(K, NNGP(activation="gelu", **params)(X, Y), rtol=1e-13)


def test_path_keeps_the_kernels_own_values():
    X, _ = make_data(20, 1, 4, np.float64, seed=9)
    operator = KernelOperator(NTK(3, fixed_layers=2), X)
    pairs = list(operator.path(depth=[1, 2, 3]))
    # fixed_layers=2 needs depth >= 2: depth 1 is left out.
    assert [params for params, _ in pairs] == [
        {"depth": 2, "fixed_layers": 2},
        {"depth": 3, "fixed_layers": 2},
    ]
    assert_allclose(pairs[-1][1], operator.gram(), rtol=1e-13)


def test_kernels_by_name_in_estimators():
    kernel = make_kernel("ntk", kernel_params={"depth": 3, "activation": "erf"})
    assert isinstance(kernel, NTK)
    assert kernel.get_params() == NTK(3, activation="erf").get_params()
    assert isinstance(make_kernel("nngp"), NNGP)
    with pytest.raises(ValueError, match="not parameters of the 'ntk' kernel"):
        make_kernel("ntk", kernel_params={"depht": 3})


@pytest.mark.parametrize(
    "kernel, match",
    [
        (NTK(2, fixed_layers=3), "fixed_layers=3 must be at most depth=2"),
        (NTK(2, parameterization="standard"), "depends on the width"),
        (NTK(activation="leaky_relu", activation_params={"slope": 0.1}), "takes alpha"),
        (NNGP(activation="relu", activation_params={"a": 1.0}), "takes none"),
        (NTK(depth=-1), "depth"),
        (NTK(W_std=0.0), "W_std"),
        (NTK(activation="tanh"), "activation"),
    ],
)
def test_bad_parameters_get_clear_errors(kernel, match):
    with pytest.raises(ValueError, match=match):
        kernel(np.ones((2, 3)))


def test_path_rejects_bad_values():
    operator = KernelOperator(NTK(), np.ones((3, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        operator.path(depth=[-1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        operator.path(fixed_layers=[1.5])
    with pytest.raises(ValueError, match=r"\['width'\] cannot vary"):
        operator.path(width=[1, 2])
    with pytest.raises(ValueError, match="has no path"):
        KernelOperator("rbf", np.ones((3, 2))).path(gamma=[1.0])


def test_every_estimator_takes_the_kernels_by_name():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    from skkernel import KernelRidge, KernelSVC, Nystroem, NystroemRidge

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:300]
    y = y[:300]
    params = {"kernel_params": {"depth": 3, "b_std": 0.1}}
    ridge = KernelRidge(alpha=1.0, kernel="ntk", **params).fit(X, y)
    assert_allclose(
        ridge.predict(X[:5]), NTK(3, b_std=0.1)(X[:5], X) @ ridge.dual_coef_, rtol=1e-10
    )
    features = Nystroem(kernel="nngp", n_components=50, random_state=0, **params).fit(X)
    assert features.transform(X).shape == (300, 50)
    assert NystroemRidge(kernel="ntk", n_components=50, random_state=0, **params).fit(X, y)
    assert KernelSVC(kernel="nngp", **params).fit(X, y).score(X, y) > 0.95


def test_vectorised_atan2_matches_math_atan2():
    # The angle of every neural kernel's recursion; its polynomial is fitted, so
    # check it where the reduction switches, at the axes, and over many magnitudes:
    # within 4 ulp (its docstring's "a few"; the reduction by pi/6 costs up to 3).
    from skkernel._accel._numba_formulas import vector_atan2

    rng = np.random.default_rng(0)
    values = rng.normal(size=4000) * 10.0 ** rng.integers(-12, 12, size=4000)
    special = [0.0, 1.0, -1.0, 2.0 - math.sqrt(3.0), math.sqrt(3.0), 1e-300, -1e-300]
    ys = np.concatenate([values, special, np.roll(values, 11)])
    xs = np.concatenate([np.roll(values, 7), np.ones(len(special)), -values])
    for y, x in zip(ys, xs, strict=True):
        expected = math.atan2(y, x)
        assert abs(vector_atan2(y, x) - expected) <= 4 * np.spacing(abs(expected)), (y, x)
    for y, x in itertools.product([0.0, 1.0, -1.0], [0.0, 1.0, -1.0]):
        expected = math.atan2(y, x) if (y, x) != (0.0, 0.0) else 0.0
        assert vector_atan2(y, x) == pytest.approx(expected, rel=1e-15, abs=0.0)


@pytest.mark.parametrize("order", [0, 1])
def test_arccosine_of_float32_data_is_computed_in_float64(order):
    # arccos turns a float32 rounding error e of the cosine into an angle of sqrt(e):
    # the order-0 diagonal was 1 - 2e-4.
    from skkernel import ArcCosine, KernelOperator

    X = np.random.default_rng(0).normal(size=(200, 3))
    X32 = X.astype(np.float32)
    K32 = KernelOperator(ArcCosine(order=order), X32, backend="numpy").gram()
    K64 = KernelOperator(ArcCosine(order=order), X32.astype(np.float64), backend="numpy").gram()
    assert K32.dtype == np.float32
    np.testing.assert_allclose(K32, K64, rtol=1e-6, atol=1e-6)


def test_arc_cosine_step_kernel_is_exact_on_parallel_pairs():
    # arccos of a self-cosine rounded to 1 - eps is an angle of 1.5e-8: k_0(x, x) came
    # out 1 - 5e-9 on 56 of 200 rows (the NTK snaps such pairs to parallel).
    X = np.random.default_rng(0).normal(size=(200, 7))
    kernel = ArcCosine(order=0)
    np.testing.assert_array_equal(np.diag(kernel(X)), np.ones(200))
    np.testing.assert_array_equal(kernel.diag(X), np.ones(200))
    np.testing.assert_array_equal(np.diag(kernel(X, -3.0 * X)), np.zeros(200))
    np.testing.assert_array_equal(np.diag(KernelOperator(kernel, X).gram()), np.ones(200))
